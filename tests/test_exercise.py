"""The generated day: its shared indicators and our own Sigma rules find the attack woven into it."""

from __future__ import annotations

from collections import Counter

from cybershield.detect import IndicatorDetector
from cybershield.events import ingest
from cybershield.exercise import (
    C2_HOST,
    C2_IP,
    PAYLOAD_SHA256,
    SAMPLE_RULES,
    sample_indicators,
    write_sample_telemetry,
)


def test_shared_indicators_hit_the_c2_traffic_and_the_payload(tmp_path):
    write_sample_telemetry(tmp_path)
    bundle = sample_indicators()
    detector = IndicatorDetector([o for o in bundle["objects"] if o["type"] == "indicator"])
    alerts = []
    ingest([tmp_path], sink=lambda batch: alerts.extend(detector.detect(batch)))
    matched = Counter(a.rule_title for a in alerts)
    assert set(matched) == {"Cobalt Strike C2 server", "Cobalt Strike C2 domain", "Stager dropped by invoice.docm"}
    matches = {(a.context["matched"]["field"], a.context["matched"]["value"]) for a in alerts}
    assert {("destination.ip", C2_IP), ("dns.question.name", C2_HOST), ("file.hash.sha256", PAYLOAD_SHA256)} <= matches
    # the beacon: every 40th of 4,000 Zeek conn records (JSON), and of the first 1,000 again in TSV
    assert matched["Cobalt Strike C2 server"] >= 100 + 25


def test_sample_rules_load_with_pysigma_and_carry_attack_tags():
    from cybershield.detect.sigma import SigmaDetector

    detector = SigmaDetector([SAMPLE_RULES])
    described = detector.describe()
    assert described["rules_failed"] == [] and described["rules_loaded"] == len(list(SAMPLE_RULES.glob("*.yml")))
    assert all(any(t.startswith("T1") for t in rule.techniques) for rule in detector.rules)
