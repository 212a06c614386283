"""Sigma v2 correlation rules: event_count, value_count, temporal, temporal_ordered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .sigma_helpers import batch, detector, rule, sysmon

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAILED_LOGON = rule("Failed logon", "sel:\n  EventID: 4625\ncondition: sel", "product: windows\n  service: security",
                    rule_id="aaaaaaaa-0000-4000-8000-000000000001", extra="name: failed_logon\n")
SUCCESS_LOGON = rule("Logon", "sel:\n  EventID: 4624\ncondition: sel", "product: windows\n  service: security",
                     rule_id="aaaaaaaa-0000-4000-8000-000000000002", extra="name: logon\n")


def correlation(kind: str, rules: list[str], condition: str, group_by: str = "- TargetUserName",
                timespan: str = "10m", generate: bool = False) -> str:
    listed = "\n".join(f"    - {r}" for r in rules)
    return (f"title: Corr {kind}\nid: bbbbbbbb-0000-4000-8000-000000000001\nlevel: critical\n"
            f"correlation:\n  type: {kind}\n  rules:\n{listed}\n  group-by:\n    {group_by}\n"
            f"  timespan: {timespan}\n  generate: {str(generate).lower()}\n  condition:\n    {condition}\n")


def logon(event_id: int, user: str, minutes: float, **extra) -> dict:
    fields = sysmon(event_id, channel="Security", TargetUserName=user, **extra)
    fields["@timestamp"] = T0 + timedelta(minutes=minutes)
    return fields


def run(det, *events) -> list:
    return det.detect(batch(*events)) + det.finish()


def test_event_count_with_group_by_and_timespan(tmp_path):
    corr = correlation("event_count", ["failed_logon"], "gte: 3")
    det = detector(tmp_path, FAILED_LOGON, corr)
    alerts = run(det, logon(4625, "bob", 0), logon(4625, "bob", 1), logon(4625, "alice", 2),
                 logon(4625, "bob", 2), logon(4625, "alice", 30), logon(4625, "alice", 45))
    assert [(a.kind, a.context["group"], len(a.events)) for a in alerts] == [
        ("correlation", {"TargetUserName": "bob"}, 3)]
    assert alerts[0].level == "critical"


def test_base_rules_alert_only_when_generate_is_set(tmp_path):
    events = [logon(4625, "bob", 0)]
    quiet = detector(tmp_path / "q", FAILED_LOGON, correlation("event_count", ["failed_logon"], "gte: 3"))
    loud = detector(tmp_path / "l", FAILED_LOGON, correlation("event_count", ["failed_logon"], "gte: 3", generate=True))
    assert run(quiet, *events) == []
    assert [a.rule_title for a in run(loud, *events)] == ["Failed logon"]


def test_value_count(tmp_path):
    corr = correlation("value_count", ["failed_logon"], "gte: 3\n    field: TargetUserName", group_by="- IpAddress")
    det = detector(tmp_path, FAILED_LOGON, corr)
    spray = [logon(4625, user, i, IpAddress="10.0.0.9") for i, user in enumerate(["a", "b", "a", "c"])]
    single = [logon(4625, "a", i, IpAddress="10.0.0.7") for i in range(5)]
    alerts = run(det, *spray, *single)
    assert [(a.context["group"], len(a.events)) for a in alerts] == [({"IpAddress": "10.0.0.9"}, 4)]


def test_temporal_needs_all_rules_within_the_timespan(tmp_path):
    corr = correlation("temporal", ["failed_logon", "logon"], "gte: 2", timespan="5m")
    det = detector(tmp_path, FAILED_LOGON, SUCCESS_LOGON, corr)
    alerts = run(det, logon(4625, "bob", 0), logon(4624, "bob", 3), logon(4625, "eve", 0), logon(4624, "eve", 9))
    assert [a.context["group"]["TargetUserName"] for a in alerts] == ["bob"]


def test_temporal_ordered_respects_the_order(tmp_path):
    corr = correlation("temporal_ordered", ["failed_logon", "logon"], "gte: 2", timespan="5m")
    det = detector(tmp_path, FAILED_LOGON, SUCCESS_LOGON, corr)
    alerts = run(det, logon(4625, "bob", 0), logon(4624, "bob", 1), logon(4624, "eve", 0), logon(4625, "eve", 1))
    assert [a.context["group"]["TargetUserName"] for a in alerts] == ["bob"]


def test_lt_condition_is_decided_when_the_window_closes(tmp_path):
    corr = correlation("event_count", ["logon"], "lt: 2", timespan="10m")
    det = detector(tmp_path, SUCCESS_LOGON, corr)
    first = det.detect(batch(logon(4624, "bob", 0), logon(4624, "ann", 0), logon(4624, "ann", 1)))
    assert first == []
    alerts = det.finish()
    assert [a.context["group"]["TargetUserName"] for a in alerts] == ["bob"]


def test_correlation_referencing_an_unknown_rule_is_reported(tmp_path):
    det = detector(tmp_path, FAILED_LOGON, correlation("event_count", ["no_such_rule"], "gte: 1"))
    assert det.correlator.correlations == []
    assert any("no_such_rule" in f.reason for f in det.failures)
    assert det.describe()["rules_loaded"] == 1
