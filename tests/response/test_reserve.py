"""EU Cybersecurity Reserve: the registry, the priority order, the 48 h answer clock, assignment, the report month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cybershield.response import Changes, ReserveDesk, ResponseError, SupportNeeds, read_registry, zone
from cybershield.response.reserve import priority

REGISTRY = """
providers:
  - {id: p-forensics, name: Forensics BV, capabilities: [forensics, malware-analysis], countries: [NL, BE],
     languages: [nl, en], availability: available}
  - {id: p-recovery, name: Recovery SA, capabilities: [recovery], countries: [FR], languages: [fr]}
  - {id: p-busy, name: Busy GmbH, capabilities: [forensics], countries: [DE], languages: [de], availability: unavailable}
"""


def test_priority_follows_the_documented_order_and_weights():
    cases = {
        "critical essential cross-border": priority("critical", "essential", 3, True, 2),
        "high essential local, measures taken": priority("high", "essential", 1, False, 3),
        "critical important local": priority("critical", "important", 1, False, 0),
        "medium important local": priority("medium", "important", 1, False, 0),
    }
    scores = {name: score for name, (score, _) in cases.items()}
    assert sorted(scores, key=scores.get, reverse=True) == list(cases)
    assert cases["critical essential cross-border"][1] == {"severity": 40, "entity": 25, "spillover": 16, "measures": 10}
    assert priority("low", None, 9, True, 9)[1] == {"severity": 5, "entity": 0, "spillover": 20, "measures": 15}


@pytest.fixture
def desk(store, tmp_path) -> ReserveDesk:
    path = tmp_path / "providers.yaml"
    path.write_text(REGISTRY)
    desk = ReserveDesk(store, zone("Europe/Brussels"))
    assert desk.load_providers(read_registry(path)) == {"added": 3, "updated": 0}
    return desk


def _incident(store, severity, entity_type, countries=(), measures=()):
    opened = store.open_incident(f"{severity} {entity_type}", datetime(2026, 5, 4, tzinfo=UTC), entity_type,
                                 severity=severity, entity="E", country="BE")
    if not countries and not measures:
        return opened
    return store.update(opened["id"], Changes(additions={"countries": list(countries), "mitigation": list(measures)}))


def test_requests_are_served_by_priority_with_clocks(store, desk):
    low = _incident(store, "medium", "important")
    high = _incident(store, "critical", "essential", ["NL", "FR"], ["isolated"])
    needs = SupportNeeds(("forensics",), "find the intrusion path", "2 analysts, 5 days", ("backups restored",), ("en",))
    first = desk.request(low["id"], needs, datetime(2026, 5, 4, 10, tzinfo=UTC))
    second = desk.request(high["id"], needs, datetime(2026, 5, 4, 12, tzinfo=UTC))
    assert [r["id"] for r in desk.status()] == [second["id"], first["id"]]
    assert second["content"]["measures_taken"] == ["isolated", "backups restored"]
    assert second["content"]["impact"]["cross_border"] is True
    assert second["content"]["support_needed"]["planned_use"] == "find the intrusion path"
    assert second["answer_due"] == "2026-05-06T12:00:00Z"
    assert [c["provider"] for c in second["candidates"]] == ["p-forensics"]  # the unavailable one is not offered
    assert desk.status(second["id"], now=datetime(2026, 5, 6, 12, 1, tzinfo=UTC))[0]["answer_overdue"] is True
    assigned = desk.assign(second["id"], "p-forensics", datetime(2026, 5, 5, tzinfo=UTC))
    assert assigned["status"] == "assigned" and assigned["answer_overdue"] is False
    ended = desk.end(second["id"], datetime(2026, 5, 31, 9, tzinfo=UTC))
    assert ended["report_due"] == "2026-06-30T09:00:00Z"  # one calendar month, clamped (31 May -> 30 June)
    reported = desk.report(second["id"], "forensics found the VPN appliance", datetime(2026, 6, 10, tzinfo=UTC))
    assert reported["status"] == "reported" and reported["report_overdue"] is False
    with pytest.raises(ResponseError, match="cannot become"):
        desk.assign(second["id"], "p-forensics", datetime(2026, 6, 11, tzinfo=UTC))
    with pytest.raises(ResponseError, match="no Reserve provider"):
        desk.assign(first["id"], "p-nobody", datetime(2026, 6, 11, tzinfo=UTC))
    actions = [e["action"] for e in store.audit(high["id"])]
    assert actions[-4:] == ["reserve-request", "reserve-assigned", "reserve-ended", "reserve-reported"]


def test_bad_registry_and_requests_are_refused(store, desk, tmp_path):
    for text, reason in (("[{id: x}]", "id and a name"), ("- {id: x, name: y, availability: maybe}", "availability"),
                         ("- {id: x, name: y, capabilities: forensics}", "list of strings"), ("{a: 1}", "list of providers"),
                         ("[{id: x, name: y}, {id: x, name: z}]", "unique"), ("{: :", "cannot read")):
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        with pytest.raises(ResponseError, match=reason):
            read_registry(path)
    incident = _incident(store, "high", "essential")
    with pytest.raises(ResponseError, match="support needed"):
        desk.request(incident["id"], SupportNeeds((), "x"))
    with pytest.raises(ResponseError, match="planned use"):
        desk.request(incident["id"], SupportNeeds(("forensics",), " "))
