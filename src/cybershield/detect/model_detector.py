"""ML detection: the active model of the learning registry scores flow events and raises explained alerts.

Detection reads the registry (``cybershield.learning``), never the other way round. Each alert
names the family (the family model's best guess), which model raised it (the classifier, or only
the benign-only anomaly detector), its calibrated scores, and the features that pushed the score
up most with their values (tree SHAP contributions for the classifier, shares of the distance to
benign traffic for the anomaly detector).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..config import settings
from ..learning import FEATURE_NAMES, ModelRegistry, extract
from .alerts import Alert, event_refs

#: Attack family (as the shared data sets name them) -> MITRE ATT&CK techniques.
TECHNIQUES = {
    "ddos": ["T1498"], "dos": ["T1499"], "portscan": ["T1046"], "reconnaissance": ["T1046"],
    "patator": ["T1110"], "brute force": ["T1110"], "sql injection": ["T1190"], "xss": ["T1189"],
    "heartbleed": ["T1190"], "botnet": ["T1071"], "infiltration": ["T1204"], "theft": ["T1041"],
}


def techniques(family: str) -> list[str]:
    name = family.lower()
    return sorted({t for key, ids in TECHNIQUES.items() if key in name for t in ids})


class ModelDetector:
    """Scores every flow of a batch with a registered model (its active version unless one is named)."""

    kind = "model"

    def __init__(self, name: str, registry: ModelRegistry | None = None, version: int | None = None, top: int = 5):
        self.registry = registry or ModelRegistry(settings().var_dir / "models")
        self.model, self.scorer = self.registry.load(name, version)
        self.top = top
        self.flows = 0
        self.alerts = 0

    def detect(self, batch: pa.Table) -> list[Alert]:
        features = extract(batch)
        self.flows += len(features)
        if not len(features):
            return []
        hits = np.flatnonzero(self.scorer.alerts(features.matrix))
        if not len(hits):
            return []
        matrix = features.matrix[hits]  # scores, family and explanation only for the flows that alert
        a = self.scorer.assess(matrix)
        explained = self.scorer.explain(matrix, a.by_classifier, self.top)
        refs = event_refs(batch, features.rows[hits].tolist())
        alerts = []
        for k in range(len(hits)):
            family = str(a.label[k])
            by = "classifier" if a.by_classifier[k] else "anomaly"
            alerts.append(Alert(
                kind=self.kind,
                rule_id=f"model:{self.model.name}@{self.model.version}",
                rule_title=f"{family} flow ({by}, model {self.model.name} v{self.model.version})",
                level="high" if by == "classifier" else "medium",
                events=[refs[k]],
                techniques=techniques(family),
                context={
                    "model": {"name": self.model.name, "version": self.model.version, "raised_by": by},
                    "family": family,
                    "score": round(float(a.score[k]), 6),
                    "anomaly_score": round(float(a.anomaly_score[k]), 6),
                    "top_features": [{"feature": f, "contribution": round(c, 4),
                                      "value": _value(matrix[k, FEATURE_NAMES.index(f)])}
                                     for f, c in explained[k]],
                }))
        self.alerts += len(alerts)
        return alerts

    def finish(self) -> list[Alert]:
        return []

    def describe(self) -> dict:
        return {"kind": self.kind, "model": self.model.name, "version": self.model.version,
                "path": str(self.model.path), "features": len(FEATURE_NAMES),
                "budget": self.scorer.budget, "families": self.scorer.classifier.family_names,
                "flows_scored": self.flows, "alerts": self.alerts}


def _value(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
