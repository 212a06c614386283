"""Time-ordered splits: earlier flows learn, later flows test; never random rows.

The split is made per label: within each family, the earliest flows go to training and the
latest to test. A single cut over all flows would not work on capture days where each attack ran
at its own time (a whole family would land on one side); per family, every test flow is still
later than every training flow of its family, so no conversation or attack window straddles the
cut in the wrong direction.

Inside the training side only, ``calibration_folds`` deals each label's flows into folds for
cross-fitting: every training flow gets a score from a model that did not learn from it, and
those scores calibrate the scores and pick the thresholds. These folds are shuffled, not time
blocks: the benign flows of a capture are spread over days, and a fold holding out a whole day
made every threshold land above the attack scores. The test side stays strictly later in time,
so any optimism this brings shows up in the held-out false-positive rate.
"""

from __future__ import annotations

import numpy as np

from .features import FlowFeatures


def _label_names(features: FlowFeatures) -> list[str]:
    """The labels present (unlabelled flows left out), sorted."""
    return sorted({str(lab) for lab in features.labels if lab is not None})


def _in_time_order(features: FlowFeatures) -> list[np.ndarray]:
    """Per label (sorted), the indices of its flows in time order."""
    out = []
    for label in _label_names(features):
        index = np.flatnonzero(features.labels == label)
        out.append(index[np.argsort(features.time[index], kind="stable")])
    return out


def time_split(features: FlowFeatures, test_fraction: float,
               train_fraction: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of the labelled flows: per label, the latest ``test_fraction`` is test and the
    rest, or only its earliest ``train_fraction``, is train (the flows between are a gap, as before a later
    period)."""
    train, test = [], []
    for index in _in_time_order(features):
        cut = len(index) - int(np.floor(len(index) * test_fraction))
        train.append(index[:cut if train_fraction is None else min(cut, int(np.floor(len(index) * train_fraction)))])
        test.append(index[cut:])
    if not train:
        raise ValueError("no labelled flows: a label column (Label, Attack, label) is needed to train or evaluate")
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def calibration_folds(features: FlowFeatures, folds: int, seed: int = 0) -> np.ndarray:
    """Fold number per flow, each label dealt evenly (and reproducibly) over ``folds`` folds."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(features), dtype=np.int64)
    for label in _label_names(features):
        index = rng.permutation(np.flatnonzero(features.labels == label))
        fold[index] = np.arange(len(index)) % folds
    return fold


def trained_until(features: FlowFeatures) -> dict[str, int]:
    """Label -> time key of its latest flow: what a model learnt from these flows cannot be tested before."""
    return {label: int(features.time[features.labels == label].max())
            for label in _label_names(features)}


def subsample(features: FlowFeatures, per_label: int) -> FlowFeatures:
    """At most ``per_label`` flows of each label (evenly spread in time), for quick runs and CI."""
    keep = []
    for index in _in_time_order(features):
        if len(index) > per_label:
            index = index[np.linspace(0, len(index) - 1, per_label).round().astype(int)]
        keep.append(index)
    return features.take(np.sort(np.concatenate(keep)))
