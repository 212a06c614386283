"""Incidents: grouping alerts by rules, the lifecycle, merge and split, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cybershield.hub import ConfigError, GroupingConfig, parse_hub_config
from cybershield.response import Changes, GroupingRules, NotFound, ResponseError
from cybershield.response.grouping import (
    DEFAULT_FIELDS,
    DEFAULT_RULES,
    AlertView,
    OpenIncident,
    alert_keys,
    group_alerts,
)

from .conftest import T0


def view(id_: str, minutes: float, context: dict, techniques=("T1059",)) -> AlertView:
    return AlertView(id_, T0 + timedelta(minutes=minutes), id_, "medium", tuple(techniques),
                     {"context": context, "event": {"provenance": {"source": "fw.log"}}})


def test_keys_come_from_ecs_fields_anywhere_in_the_context():
    alert = view("a", 0, {"matched": {"host.name": "WS-1", "winlog.event_data.TargetUserName": "Bob"},
                          "indicator": {"id": "indicator--9"}})
    assert alert_keys(alert, GroupingRules()) == {"host:ws-1", "user:bob", "indicator:indicator--9"}
    assert "technique:T1059" in alert_keys(alert, GroupingRules(rules=("technique",)))
    assert alert_keys(view("b", 0, {"variant": 0}), GroupingRules()) == {"source:fw.log"}  # nothing else: its log


def test_sliding_window_chains_and_separates():
    alerts = [view("a", 0, {"host.name": "h1"}), view("b", 100, {"host.name": "h1"}),
              view("c", 200, {"host.name": "h1"}),  # 100 min after b: still the chain
              view("d", 500, {"host.name": "h1"}),  # 300 min after c: a new incident
              view("e", 10, {"host.name": "h2"})]
    groups = group_alerts(alerts, GroupingRules(window=timedelta(hours=2)))
    assert sorted(sorted(a.id for a in g.alerts) for g in groups) == [["a", "b", "c"], ["d"], ["e"]]


def test_rules_are_configurable():
    alerts = [view("a", 0, {"host.name": "h1"}, ["T1566"]), view("b", 5, {"host.name": "h2"}, ["T1566"])]
    assert len(group_alerts(alerts, GroupingRules(rules=("user",)))) == 1  # no user key: both keyed by fw.log
    assert len(group_alerts(alerts, GroupingRules())) == 2
    by_technique = GroupingRules.from_config(GroupingConfig(("host", "technique"), 30))
    assert len(group_alerts(alerts, by_technique)) == 1
    assert len(group_alerts(alerts, GroupingRules.from_config(GroupingConfig(("source",))))) == 1
    custom = GroupingRules.from_config(GroupingConfig(fields={"host": ("dvc",)}))
    assert alert_keys(view("x", 0, {"dvc": "fw-7", "host.name": "h"}), custom) == {"host:fw-7"}
    with pytest.raises(ResponseError, match="unknown grouping rule"):
        GroupingRules.from_config(GroupingConfig(("colour",)))


def test_the_hub_configuration_checks_the_grouping_section():
    config = parse_hub_config({"response": {"grouping": {"rules": ["host", "technique"], "window_minutes": 30,
                                                         "fields": {"host": ["DVC"]}}}})
    rules = GroupingRules.from_config(config.grouping)
    assert rules.rules == ("host", "technique") and rules.window == timedelta(minutes=30)
    assert rules.fields["host"] == ("dvc",) and rules.fields["user"] == DEFAULT_FIELDS["user"]
    assert GroupingRules.from_config(parse_hub_config({}).grouping).rules == DEFAULT_RULES
    for bad, key in (({"rules": ["colour"]}, "rules"), ({"window_minutes": "soon"}, "window_minutes"),
                     ({"fields": {"colour": ["x"]}}, "colour"), ({"when": 1}, "when")):
        with pytest.raises(ConfigError, match=key):
            parse_hub_config({"response": {"grouping": bad}})


def test_a_new_alert_continues_an_open_incident():
    groups = group_alerts([view("z", 30, {"user.name": "alice"})], GroupingRules(),
                          [OpenIncident("INC-1", {"user:alice"}, T0)])
    assert groups[0].incident_id == "INC-1"


def test_store_groups_stored_alerts_and_continues_them(store, alerts):
    results = store.group(GroupingRules())
    assert sorted(r["alerts"] for r in results) == [1, 1, 3]
    three = next(r for r in results if r["alerts"] == 3)
    incident = store.get(three["incident"])
    assert incident["severity"] == "critical" and incident["status"] == "new"
    assert incident["techniques"] == ["T1059.001", "T1071.001", "T1105"]
    assert {"type": "host", "value": "ws-1"} in incident["observables"]
    assert incident["aware_at"] == "2026-05-04T08:00:00Z"  # the first alert's arrival
    assert store.group(GroupingRules()) == []  # nothing left to group
    from cybershield.storage import store_alerts

    from .conftest import make_alert
    store_alerts(store.sessions, [make_alert(200, {"matched": {"host.name": "ws-1"}}, title="more")])
    again = store.group(GroupingRules())
    assert again == [{"incident": three["incident"], "new": False, "alerts": 1}]


def test_lifecycle_transitions_are_enforced(store):
    incident = store.open_incident("x", T0, "essential")
    for status in ("triage", "contained", "eradicated", "recovered", "closed", "triage", "closed"):
        incident = store.update(incident["id"], Changes(columns={"status": status}))
    assert incident["status"] == "closed" and incident["resolved_at"] is not None
    other = store.open_incident("y", T0, "important")
    for bad in ("contained", "closed", "recovered"):
        with pytest.raises(ResponseError, match="cannot move") as refused:
            store.update(other["id"], Changes(columns={"status": bad}))
        assert refused.value.status == 409
    with pytest.raises(ResponseError, match="unknown status"):
        store.update(other["id"], Changes(columns={"status": "done"}))
    assert store.get(other["id"])["status"] == "new"


def test_merge_and_split(store, alerts):
    results = store.group(GroupingRules())
    ids = [r["incident"] for r in sorted(results, key=lambda r: -r["alerts"])]
    store.update(ids[1], Changes(additions={"observables": [{"type": "ipv4-addr", "value": "203.0.113.9"}]}))
    merged = store.merge(ids[0], ids[1:])
    assert len(merged["alerts"]) == 5
    assert {"type": "ipv4-addr", "value": "203.0.113.9"} in merged["observables"]
    assert store.get(ids[1])["merged_into"] == ids[0]
    assert [i["id"] for i in store.list()] == [ids[0]]
    with pytest.raises(ResponseError, match="merged into"):
        store.update(ids[1], Changes(columns={"severity": "low"}))
    with pytest.raises(ResponseError, match="merge into that one"):
        store.merge(ids[1], [ids[0]])
    moved = [a.id for a in alerts[3:]]
    split = store.split(ids[0], moved, "the late one")
    assert sorted(split["alerts"]) == sorted(moved)
    assert len(store.get(ids[0])["alerts"]) == 3
    with pytest.raises(ResponseError, match="at least one alert"):
        store.split(split["id"], moved, "all of it")
    actions = [e["action"] for e in store.audit()]
    assert actions.count("merge") == 1 and actions.count("split") == 1
    assert store.verify() == (len(actions), [])


def test_bad_input_is_refused_with_a_reason(store):
    with pytest.raises(ResponseError, match="entity type"):
        store.open_incident("x", T0, "vital")
    with pytest.raises(ResponseError, match="severity"):
        store.open_incident("x", T0, "essential", severity="apocalyptic")
    with pytest.raises(ResponseError, match="title"):
        store.open_incident("  ", T0, "essential")
    with pytest.raises(NotFound):
        store.get("INC-NOPE")
    with pytest.raises(NotFound, match="no stored alert"):
        store.open_incident("x", T0, "essential", alerts=["not-an-alert"])
    incident = store.open_incident("x", T0, "essential")
    with pytest.raises(ResponseError, match="nothing to change"):
        store.update(incident["id"], Changes())
