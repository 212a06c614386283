"""The classifier and the anomaly detector together: what a hub runs on every flow.

A flow alerts when either model alerts; each gets half of the false-positive budget, so that
together they stay within it. Every alert is labelled with the family model's best guess;
``by_classifier`` tells whether the classifier or only the anomaly detector raised it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .anomaly import PrototypeAnomalyDetector
from .classifier import FlowClassifier
from .features import BENIGN, FEATURE_NAMES, FlowFeatures
from .splits import time_split

DEFAULT_BUDGET = 0.001  # one alert per 1,000 benign flows
CALIBRATION_FRACTION = 0.2


@dataclass
class Assessment:
    """What the models say about a batch of flows."""

    alert: np.ndarray  # bool
    label: np.ndarray  # BENIGN, a family, or "anomaly"
    score: np.ndarray  # calibrated classifier score (P(attack))
    anomaly_score: np.ndarray  # calibrated anomaly score (1 - benign tail probability)
    by_classifier: np.ndarray  # bool: the classifier alerted


class FlowScorer:
    def __init__(self, classifier: FlowClassifier, anomaly: PrototypeAnomalyDetector, budget: float):
        self.classifier = classifier
        self.anomaly = anomaly
        self.budget = budget

    @classmethod
    def train(cls, features: FlowFeatures, budget: float = DEFAULT_BUDGET, rounds: int = 100,
              prototypes: int = 128) -> FlowScorer:
        """Learn both models; the latest ``CALIBRATION_FRACTION`` of each label calibrates them."""
        learn, calibrate = time_split(features, CALIBRATION_FRACTION)
        fit, cal = features.take(learn), features.take(calibrate)
        classifier = FlowClassifier(budget / 2, rounds, rounds)
        classifier.learn(fit.matrix, fit.labels, (cal.matrix, cal.labels))
        anomaly = PrototypeAnomalyDetector(budget / 2, prototypes)
        anomaly.learn(fit.matrix, fit.labels, (cal.matrix, cal.labels))
        return cls(classifier, anomaly, budget)

    def assess(self, matrix: np.ndarray) -> Assessment:
        raw = self.classifier.raw(matrix)
        by_classifier = raw >= self.classifier.raw_threshold
        anomaly_raw = self.anomaly.raw(matrix)
        alert = by_classifier | (anomaly_raw >= self.anomaly.raw_threshold)
        label = np.full(len(matrix), BENIGN, dtype=object)
        flagged = np.flatnonzero(alert)
        if len(flagged):
            label[flagged] = self.classifier.family(matrix[flagged])
        return Assessment(alert, label, self.classifier.platt(raw), self.anomaly.tail(anomaly_raw), by_classifier)

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
