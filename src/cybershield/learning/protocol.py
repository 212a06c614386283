"""The one protocol every flow model follows (River's idea: one interface, no special cases).

A model learns from a feature matrix (``features.FEATURE_NAMES`` columns) and, for each flow,
gives a calibrated alert score in [0, 1], a label, and per-feature contributions that explain
the score. ``threshold`` is the score at which a flow raises an alert, chosen for a false-positive
budget on benign flows the model did not learn from.
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

    def learn(self, matrix: np.ndarray, labels: np.ndarray, calibration: tuple[np.ndarray, np.ndarray]) -> None:
        """Fit on ``matrix``/``labels``; calibrate scores and pick the threshold on the (later) calibration flows."""
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
