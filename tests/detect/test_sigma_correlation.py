"""Sigma v2 correlation rules: event_count, value_count, temporal, temporal_ordered and the metrics."""

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


TRANSFER = rule("Transfer", "sel:\n  EventID: 5156\ncondition: sel", "product: windows\n  service: security",
                rule_id="aaaaaaaa-0000-4000-8000-000000000003", extra="name: transfer\n")


def _transfers(*sizes_by_user: tuple[str, object, float]) -> list[dict]:
    return [logon(5156, user, minutes, Bytes=size) for user, size, minutes in sizes_by_user]


def test_value_sum_counts_numbers_written_as_text_and_skips_what_is_no_number(tmp_path):
    det = detector(tmp_path, TRANSFER, correlation("value_sum", ["transfer"], "gte: 1000\n    field: Bytes"))
    alerts = run(det, *_transfers(("alice", 400, 0), ("bob", 300, 1), ("alice", "500", 2), ("alice", "n/a", 3),
                                  ("alice", None, 3.5), ("alice", 200, 4), ("alice", 10_000, 30)))
    assert [(a.context["group"], a.context["value_sum"], len(a.events)) for a in alerts] == [
        ({"TargetUserName": "alice"}, 1100.0, 3),  # 400 + "500" + 200 within 10 minutes; the 10,000 is alone later
        ({"TargetUserName": "alice"}, 10_000.0, 1)]


def test_value_avg_median_and_percentile(tmp_path):
    sizes = [10, 20, 30, 40, 1000]  # mean 220, median 30, 90th percentile 616 (linear between 40 and 1000)
    events = _transfers(*[("carol", s, i) for i, s in enumerate(sizes)])
    expected = {"value_avg": ("lte: 300", 220.0), "value_median": ("lt: 31", 30.0),
                "value_percentile": ("gte: 600\n    percentile: 90", 616.0)}
    for kind, (condition, value) in expected.items():
        det = detector(tmp_path / kind, TRANSFER, correlation(kind, ["transfer"], f"{condition}\n    field: Bytes"))
        alerts = run(det, *events)
        assert [round(a.context[kind], 6) for a in alerts] == [value], kind
        assert len(alerts[0].events) == 5
    # a median over 30 never holds: 10, 15, 20, 25, then 30 as the events come
    det = detector(tmp_path / "high", TRANSFER, correlation("value_median", ["transfer"], "gt: 30\n    field: Bytes"))
    assert run(det, *events) == []


def test_metric_correlations_without_their_field_or_percentile_are_reported(tmp_path):
    det = detector(tmp_path, TRANSFER, correlation("value_sum", ["transfer"], "gte: 1"),
                   correlation("value_percentile", ["transfer"], "gte: 1\n    field: Bytes").replace("bbbbbbbb", "cccccccc"))
    reasons = sorted(f.reason for f in det.failures)
    assert len(reasons) == 2 and "Value sum correlation rule without field reference" in reasons[0]
    assert reasons[1] == "value_percentile needs a condition percentile from 0 to 100"
    assert det.describe()["correlations_loaded"] == 0
