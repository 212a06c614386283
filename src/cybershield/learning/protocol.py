"""The one protocol every flow model follows (River's idea: one interface, no special cases).

A model learns from a feature matrix (``features.FEATURE_NAMES`` columns) and, for each flow,
gives a raw score, a calibrated alert score in [0, 1], an alert decision, a label, and per-feature
contributions that explain the score. ``calibrate`` fits the score map and picks the alert
threshold for a false-positive budget from raw scores of flows the model did not learn from
(``scorer.calibrated`` provides them by cross-fitting). ``threshold`` is that threshold on the
calibrated scale.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class FlowModel(Protocol):
    #: "classifier" (labelled attack families) or "anomaly" (benign only).
    kind: str
    #: Alert when ``score >= threshold``.
    threshold: float

    def learn(self, matrix: np.ndarray, labels: np.ndarray) -> None:
        """Fit on ``matrix`` (flows x features) and ``labels`` (``BENIGN`` or a family)."""
        ...

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """Uncalibrated score per flow; larger means more suspicious."""
        ...

    def calibrate(self, raw: np.ndarray, labels: np.ndarray) -> None:
        """Fit the calibrated score and the alert threshold on raw scores of unseen, labelled flows."""
        ...

    def alerts(self, matrix: np.ndarray) -> np.ndarray:
        """True where the flow passes the threshold."""
        ...

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """Calibrated alert score per flow, in [0, 1]."""
        ...

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """A label per flow: ``BENIGN`` below the threshold, else the family (or ``anomaly``)."""
        ...

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Per-feature contribution to each flow's score (n_flows x n_features); larger means more suspicious."""
        ...

    def to_files(self) -> dict[str, bytes]:
        """The model as files (no pickle: models travel between hubs)."""
        ...
