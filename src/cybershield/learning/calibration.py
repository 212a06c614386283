"""Calibrated scores and thresholds chosen for a false-positive budget.

Decisions are taken on a model's raw score (``raw >= raw_threshold``); the calibrated score is a
strictly increasing map of it, so the two never disagree. Thresholds are set on benign flows the
model did not learn from (the latest part of the training time range).
"""

from __future__ import annotations

import numpy as np


def threshold_for_budget(benign_raw: np.ndarray, budget: float) -> float:
    """The lowest raw score at which at most ``budget`` (a fraction) of these benign flows alert."""
    if len(benign_raw) == 0:
        raise ValueError("no benign calibration flows: cannot choose a threshold for a false-positive budget")
    ranked = np.sort(np.asarray(benign_raw, dtype=np.float64))[::-1]
    allowed = int(np.floor(budget * len(ranked)))
    if allowed >= len(ranked):
        return float(-np.inf)
    return float(np.nextafter(ranked[allowed], np.inf))


class Platt:
    """Platt scaling: P(attack) = sigmoid(a * raw + b), fitted on labelled calibration flows."""

    def __init__(self, a: float = 1.0, b: float = 0.0):
        self.a, self.b = a, b

    def fit(self, raw: np.ndarray, is_attack: np.ndarray) -> Platt:
        if is_attack.all() or not is_attack.any():
            return self  # one class only: keep the identity map on the log-odds
        from sklearn.linear_model import LogisticRegression  # slow to import: only when learning

        fit = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), is_attack)
        self.a, self.b = max(float(fit.coef_[0, 0]), 1e-6), float(fit.intercept_[0])
        return self

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * raw + self.b)))

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b}


class BenignTail:
    """Score = 1 - P(benign raw score >= raw), from benign calibration flows; strictly increasing."""

    def __init__(self, quantiles: np.ndarray):
        self.quantiles = np.asarray(quantiles, dtype=np.float64)

    @classmethod
    def fit(cls, benign_raw: np.ndarray, points: int = 1001) -> BenignTail:
        if len(benign_raw) == 0:
            raise ValueError("no benign calibration flows")
        return cls(np.quantile(benign_raw, np.linspace(0.0, 1.0, points)))

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        q, n = self.quantiles, len(self.quantiles)
        inside = np.interp(raw, q, np.linspace(0.0, 1.0 - 1.0 / n, n))
        # beyond the largest benign score: keep rising towards 1 so that ranks survive calibration
        top = max(q[-1], 1e-12)
        beyond = 1.0 - (1.0 / n) * top / np.maximum(raw, top)
        return np.where(raw > q[-1], beyond, inside)

    def to_dict(self) -> dict:
        return {"quantiles": self.quantiles.tolist()}
