"""ML detection: the registry's active model raises explained alerts on flow batches."""

from __future__ import annotations

import pyarrow as pa

from cybershield.detect import Detector, ModelDetector
from cybershield.events import Quarantine, concat, ingest
from cybershield.learning import FEATURE_NAMES, FlowScorer, ModelRegistry, extract, subsample, time_split


def test_model_detector_raises_explained_alerts(shared_data, tmp_path):
    path = shared_data / "cicids2017" / "train.csv.gz"
    batches = []
    ingest([path], sink=batches.append, quarantine=Quarantine())
    events = concat(batches)
    flows = subsample(extract(events), 200)
    train, test = time_split(flows, 0.3)
    registry = ModelRegistry(tmp_path / "models")
    registry.register("cic", FlowScorer.train(flows.take(train), budget=0.05, rounds=60, prototypes=32),
                      data_fingerprint="t", training={}, metrics={})

    detector = ModelDetector("cic", registry)
    assert isinstance(detector, Detector) and detector.kind == "model"
    held_out = events.take(pa.array(flows.rows[test]))
    alerts = detector.detect(held_out)
    labels = held_out.column("cicflowmeter.Label").to_pylist()
    attacks = sum(1 for label in labels if label != "BENIGN")
    assert 0.8 * attacks <= len(alerts) <= attacks + 0.1 * (len(labels) - attacks)
    alert = alerts[0]
    assert alert.kind == "model" and alert.rule_id == "model:cic@1"
    row = held_out.column("event.provenance.record_id").to_pylist().index(alert.events[0].record_id)
    assert alert.events[0].source == str(path) and alert.events[0].timestamp is not None
    assert alert.context["family"] in detector.describe()["families"] or alert.context["model"]["raised_by"] == "anomaly"
    top = alert.context["top_features"]
    assert 1 <= len(top) <= 5 and all(t["feature"] in FEATURE_NAMES and t["contribution"] > 0 for t in top)
    assert all(not t["feature"].startswith(("src", "dst", "flow_id")) for t in top)
    assert labels[row] != "BENIGN" or alert.level == "medium"
    doc = alert.to_document()
    assert doc["rule"]["id"] == "model:cic@1" and doc["context"]["top_features"] == top
    assert detector.describe()["flows_scored"] == held_out.num_rows
    assert detector.detect(events.slice(0, 0)) == [] and detector.finish() == []
