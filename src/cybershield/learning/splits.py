"""Time-ordered splits: earlier flows learn, later flows test; never random rows.

The split is made per label: within each family, the earliest flows go to training and the
latest to test. A single cut over all flows would not work on capture days where each attack ran
at its own time (a whole family would land on one side); per family, every test flow is still
later than every training flow of its family, so no conversation or attack window straddles the
cut in the wrong direction. The calibration slice (threshold and score calibration) is the
latest part of the training side, again per label.
"""

from __future__ import annotations

import numpy as np

from .features import FlowFeatures


def time_split(features: FlowFeatures, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of the labelled flows: per label, the latest ``test_fraction`` is test."""
    train, test = [], []
    labels = features.labels
    for label in sorted({lab for lab in labels if lab is not None}):
        index = np.flatnonzero(labels == label)
        index = index[np.argsort(features.time[index], kind="stable")]
        cut = len(index) - int(np.floor(len(index) * test_fraction))
        train.append(index[:cut])
        test.append(index[cut:])
    if not train:
        raise ValueError("no labelled flows: a label column (Label, Attack, label) is needed to train or evaluate")
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def subsample(features: FlowFeatures, per_label: int) -> FlowFeatures:
    """At most ``per_label`` flows of each label (evenly spread in time), for quick runs and CI."""
    keep = []
    for label in {lab for lab in features.labels if lab is not None}:
        index = np.flatnonzero(features.labels == label)
        index = index[np.argsort(features.time[index], kind="stable")]
        if len(index) > per_label:
            index = index[np.linspace(0, len(index) - 1, per_label).round().astype(int)]
        keep.append(index)
    return features.take(np.sort(np.concatenate(keep)))
