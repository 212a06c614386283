"""The classifier and the anomaly detector together: what a hub runs on every flow.

A flow alerts when either model alerts; each gets half of the false-positive budget, so that
together they stay within it. Every alert is labelled with the family model's best guess;
``by_classifier`` tells whether the classifier or only the anomaly detector raised it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .anomaly import PrototypeAnomalyDetector
from .classifier import FlowClassifier
from .features import BENIGN, FEATURE_NAMES, FlowFeatures
from .protocol import FlowModel
from .splits import calibration_folds

DEFAULT_BUDGET = 0.001  # one alert per 1,000 benign flows
FOLDS = 4


def calibrated(make: Callable[[bool], FlowModel], features: FlowFeatures, folds: int = FOLDS) -> FlowModel:
    """A model learnt from all of ``features``, calibrated on cross-fitted raw scores: each fold is
    scored by a model learnt from the other folds. ``make(final)`` builds a model; the fold models
    are built with ``final=False`` (they may skip what calibration does not need)."""
    fold = calibration_folds(features, folds)
    raw = np.empty(len(features))
    for k in range(folds):
        held = fold == k
        model = make(False)
        model.learn(features.matrix[~held], features.labels[~held])
        raw[held] = model.raw(features.matrix[held])
    final = make(True)
    final.learn(features.matrix, features.labels)
    final.calibrate(raw, features.labels)
    return final


@dataclass
class Assessment:
    """What the models say about a batch of flows."""

    alert: np.ndarray  # bool
    label: np.ndarray  # BENIGN, a family, or "anomaly"
    score: np.ndarray  # calibrated classifier score (P(attack))
    anomaly_score: np.ndarray  # calibrated anomaly score (1 - benign tail probability)
    by_classifier: np.ndarray  # bool: the classifier alerted
    by_anomaly: np.ndarray  # bool: the anomaly detector alerted


class FlowScorer:
    def __init__(self, classifier: FlowClassifier, anomaly: PrototypeAnomalyDetector, budget: float):
        self.classifier = classifier
        self.anomaly = anomaly
        self.budget = budget

    @classmethod
    def train(cls, features: FlowFeatures, budget: float = DEFAULT_BUDGET, rounds: int = 100,
              prototypes: int = 128) -> FlowScorer:
        """Learn both models from all of ``features``; calibrate them by cross-fitting. The family model
        gets a quarter of the detector's rounds: on the CIC-IDS2017 split 25 rounds name families as
        well as 100 (macro-F1 0.9466 vs 0.9468) at four times the speed."""
        family_rounds = max(rounds // 4, 5)
        classifier = calibrated(lambda final: FlowClassifier(budget / 2, rounds, family_rounds if final else 0),
                                features)
        anomaly = calibrated(lambda final: PrototypeAnomalyDetector(budget / 2, prototypes), features)
        return cls(classifier, anomaly, budget)  # type: ignore[arg-type]

    def alerts(self, matrix: np.ndarray) -> np.ndarray:
        """The alert decision alone, as cheaply as it can be had: the classifier's staged trees on every flow,
        the anomaly detector only on the flows the classifier let pass. Same answer as ``assess(...).alert``."""
        alert = self.classifier.alerts(matrix)
        rest = np.flatnonzero(~alert)
        if len(rest):
            alert[rest] = self.anomaly.alerts(matrix[rest])
        return alert

    def assess(self, matrix: np.ndarray) -> Assessment:
        raw = self.classifier.raw(matrix)
        by_classifier = raw >= self.classifier.raw_threshold
        anomaly_raw = self.anomaly.raw(matrix)
        by_anomaly = anomaly_raw >= self.anomaly.raw_threshold
        alert = by_classifier | by_anomaly
        label = np.full(len(matrix), BENIGN, dtype=object)
        flagged = np.flatnonzero(alert)
        if len(flagged):
            label[flagged] = self.classifier.family(matrix[flagged])
        return Assessment(alert, label, self.classifier.platt(raw), self.anomaly.tail(anomaly_raw), by_classifier,
                          by_anomaly)

    def missing_features(self, matrix: np.ndarray) -> list[str]:
        """The features the models learnt from (present in their benign training flows) that no flow of
        ``matrix`` has: flows of another format than the training data, or columns lost on the way."""
        return [FEATURE_NAMES[j] for j in self.anomaly.used if np.isnan(matrix[:, j]).all()]

    def explain(self, matrix: np.ndarray, by_classifier: np.ndarray, top: int = 5) -> list[list[tuple[str, float]]]:
        """The ``top`` features that pushed each flow's score up: tree SHAP for classifier alerts,
        shares of the distance to benign for anomaly alerts."""
        contrib = np.zeros(matrix.shape)
        if by_classifier.any():
            contrib[by_classifier] = self.classifier.contributions(matrix[by_classifier])
        if (~by_classifier).any():
            contrib[~by_classifier] = self.anomaly.contributions(matrix[~by_classifier])
        order = np.argsort(-contrib, axis=1)[:, :top]
        return [[(FEATURE_NAMES[j], float(contrib[i, j])) for j in row if contrib[i, j] > 0]
                for i, row in enumerate(order)]

    def to_files(self) -> dict[str, bytes]:
        meta = {"budget": self.budget, "features": FEATURE_NAMES}
        return {"scorer.json": json.dumps(meta, indent=1).encode(), **self.classifier.to_files(),
                **self.anomaly.to_files()}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> FlowScorer:
        meta = json.loads(files["scorer.json"])
        if meta["features"] != FEATURE_NAMES:
            raise ValueError("the model was trained on another feature schema; retrain it with this version")
        return cls(FlowClassifier.from_files(files), PrototypeAnomalyDetector.from_files(files), meta["budget"])
