"""Evaluation that survives scrutiny: a time-ordered hold-out, per-class figures, the benign
false-positive rate at the alert threshold, anomaly ROC-AUC per family, leave-one-family-out,
and two baselines (majority class, random forest) scored on the very same split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

from .classifier import FlowClassifier
from .features import BENIGN, FlowFeatures
from .scorer import DEFAULT_BUDGET, FOLDS, FlowScorer, calibrated
from .splits import time_split

TARGETS = {"macro_f1": 0.95, "benign_fpr": 0.001, "anomaly_auc_min": 0.95}


@dataclass
class Evaluation:
    """The metrics (one JSON object) and what the plots need."""

    metrics: dict
    true: np.ndarray
    predicted: np.ndarray
    score: np.ndarray
    anomaly_score: np.ndarray
    classes: list[str] = field(default_factory=list)


def _per_class(true: np.ndarray, predicted: np.ndarray, classes: list[str]) -> dict:
    p, r, f, s = precision_recall_fscore_support(true, predicted, labels=classes, zero_division=0)
    return {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
                "support": int(s[i])} for i, c in enumerate(classes)}


def _macro_f1(true: np.ndarray, predicted: np.ndarray, classes: list[str]) -> float:
    return round(float(f1_score(true, predicted, labels=classes, average="macro", zero_division=0)), 4)


def _auc(benign: np.ndarray, attack: np.ndarray) -> float | None:
    if len(benign) == 0 or len(attack) == 0:
        return None
    y = np.r_[np.zeros(len(benign)), np.ones(len(attack))]
    return round(float(roc_auc_score(y, np.r_[benign, attack])), 4)


def evaluate(features: FlowFeatures, test_fraction: float = 0.3, scorer: FlowScorer | None = None,
             budget: float = DEFAULT_BUDGET, rounds: int = 100, prototypes: int = 128, leave_one_out: bool = True,
             baselines: bool = True, on_step: Callable[[str], None] = lambda step: None,
             trained_until: dict[str, int] | None = None, reference: FlowFeatures | None = None,
             train_fraction: float | None = None) -> Evaluation:
    """Split by time, train (unless ``scorer`` is given), score the later flows.

    ``trained_until`` (label -> the time of the latest flow of that label a given ``scorer`` learnt
    from these sources) drops every test flow not strictly later: the model is only scored on what
    it cannot have seen, whatever split or sample it was trained on. ``reference`` is what the
    baselines and the leave-one-family-out runs learn from (a given scorer's own training flows);
    by default the earlier flows of the split. ``test_fraction=1`` tests on every flow, so it needs
    a ``scorer`` and, for baselines or leave-one-family-out, a ``reference``. ``train_fraction`` learns
    from the earliest share of each label only, leaving a gap before the test flows (see ``time_split``)."""
    if not 0 < test_fraction <= 1:
        raise ValueError(f"the test fraction must be in (0, 1], not {test_fraction}")
    train_idx, test_idx = time_split(features, test_fraction, train_fraction)
    excluded = 0
    if trained_until:
        limits = np.array([trained_until.get(str(lab), np.iinfo(np.int64).min) for lab in features.labels[test_idx]])
        later = features.time[test_idx] > limits
        excluded, test_idx = int((~later).sum()), test_idx[later]
        if not len(test_idx):
            raise ValueError("every test flow is at or before the latest flow the model learnt from: "
                             "evaluate it on later or other data")
    if not len(test_idx):
        raise ValueError(f"the latest {test_fraction:.0%} of each label is no flow at all: raise the test fraction")
    train, test = features.take(train_idx), features.take(test_idx)
    if scorer is None:
        if not len(train):
            raise ValueError("nothing left to train on: a test fraction of 1 needs a trained model")
        on_step("training the classifier and the anomaly detector")
        scorer = FlowScorer.train(train, budget, rounds, prototypes)
    reference = train if reference is None else reference
    if (baselines or leave_one_out) and not len(reference):
        raise ValueError("the baselines and leave-one-family-out need training flows: give the model's training "
                         "data, a test fraction under 1, or leave them out")
    on_step("scoring the held-out flows")
    a = scorer.assess(test.matrix)
    true = test.labels.astype(str)
    classes = sorted(set(true.tolist()))
    families = [c for c in classes if c != BENIGN]
    benign = true == BENIGN
    classifier_labels = np.where(a.by_classifier, a.label, BENIGN)
    metrics: dict = {
        "split": {"method": "per-label time order: the latest flows of each label are test",
                  "test_fraction": test_fraction, "train_fraction": train_fraction, "calibration": f"cross-fitted over {FOLDS} folds of the training flows",
                  "train_flows": len(reference), "test_flows": len(test), "excluded_as_seen_period": excluded,
                  "train_per_class": dict(sorted(Counter(reference.labels.astype(str).tolist()).items()))},
        "budget": scorer.budget,
        "macro_f1": _macro_f1(true, a.label, classes),
        "macro_f1_classifier": _macro_f1(true, classifier_labels, classes),
        "family_macro_f1": _family_macro_f1(scorer, test.matrix[~benign], true[~benign], families),
        "per_class": _per_class(true, a.label, classes),
        "benign_fpr": round(float(a.alert[benign].mean()), 5) if benign.any() else None,
        "benign_fpr_classifier": round(float(a.by_classifier[benign].mean()), 5) if benign.any() else None,
        "benign_fpr_anomaly": round(float(a.by_anomaly[benign].mean()), 5) if benign.any() else None,
        "detection_rate": {f: round(float(a.alert[true == f].mean()), 4) for f in families},
        "anomaly_auc": {f: _auc(a.anomaly_score[benign], a.anomaly_score[true == f]) for f in families},
        "classifier_auc": {f: _auc(a.score[benign], a.score[true == f]) for f in families},
        "threshold": {"classifier": scorer.classifier.threshold, "anomaly": scorer.anomaly.threshold},
        "missing_features": scorer.missing_features(test.matrix), "features_learnt": len(scorer.anomaly.used),
    }
    missing = metrics["missing_features"]
    metrics["notes"] = [f"{len(missing)} of the {metrics['features_learnt']} features the model learnt from are "
                        "missing in every test flow (another flow format than its training data?): "
                        + ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")] if missing else []
    aucs = [v for v in metrics["anomaly_auc"].values() if v is not None]
    metrics["anomaly_auc_mean"] = round(float(np.mean(aucs)), 4) if aucs else None
    metrics["anomaly_auc_min"] = round(float(np.min(aucs)), 4) if aucs else None
    if baselines:
        on_step("baselines: majority class and random forest")
        metrics["baselines"] = _baselines(reference, test, true, classes)
    if leave_one_out:
        metrics["leave_one_family_out"] = _leave_one_family_out(reference, test, true, scorer, a.by_anomaly, rounds,
                                                                on_step)
    metrics["targets"] = {name: {"target": goal, "reached": _reached(name, metrics.get(name), goal)}
                          for name, goal in TARGETS.items()}
    return Evaluation(metrics, true, a.label.astype(str), a.score, a.anomaly_score, classes)


def _family_macro_f1(scorer: FlowScorer, matrix: np.ndarray, true: np.ndarray, families: list[str]) -> float | None:
    """Macro-F1 of the family model's names over every attack test flow, alerted or not: how well it names
    families, apart from how many flows the detector lets through."""
    if not families or not scorer.classifier.family_names:
        return None
    return _macro_f1(true, scorer.classifier.family(matrix), families)


def _reached(name: str, value: float | None, goal: float) -> bool | None:
    if value is None:
        return None
    return value <= goal if name == "benign_fpr" else value >= goal


def _baselines(train: FlowFeatures, test: FlowFeatures, true: np.ndarray, classes: list[str]) -> dict:
    majority = Counter(train.labels.astype(str).tolist()).most_common(1)[0][0]
    used = ~np.isnan(train.matrix).all(axis=0)
    forest = RandomForestClassifier(n_estimators=100, class_weight="balanced", n_jobs=1, random_state=0)
    forest.fit(np.nan_to_num(train.matrix[:, used], nan=-1.0), train.labels.astype(str))
    predicted = forest.predict(np.nan_to_num(test.matrix[:, used], nan=-1.0))
    benign = true == BENIGN
    return {
        "majority": {"label": majority, "macro_f1": _macro_f1(true, np.full(len(true), majority), classes)},
        "random_forest": {"macro_f1": _macro_f1(true, predicted, classes),
                          "benign_fpr": round(float((predicted[benign] != BENIGN).mean()), 5) if benign.any() else None,
                          "per_class_f1": {c: v["f1"] for c, v in _per_class(true, predicted, classes).items()}},
    }


def _leave_one_family_out(train: FlowFeatures, test: FlowFeatures, true: np.ndarray, scorer: FlowScorer,
                          anomaly_alert: np.ndarray, rounds: int, on_step: Callable[[str], None]) -> dict:
    """Train the classifier without one family; how much of that family is still caught at the threshold."""
    out = {}
    for family in sorted(set(train.labels.astype(str).tolist()) - {BENIGN}):
        held = true == family
        if not held.any():
            continue
        on_step(f"leave one family out: {family}")
        rest = train.take(np.flatnonzero(train.labels != family))
        try:
            blind = calibrated(lambda final: FlowClassifier(scorer.classifier.budget, rounds, family_rounds=0), rest)
        except ValueError:
            continue  # the family was the only attack: nothing left to learn from
        by_classifier = blind.alerts(test.matrix[held])
        by_anomaly = anomaly_alert[held]
        out[family] = {"flows": int(held.sum()), "classifier": round(float(by_classifier.mean()), 4),
                       "anomaly": round(float(by_anomaly.mean()), 4),
                       "either": round(float((by_classifier | by_anomaly).mean()), 4)}
    return out
