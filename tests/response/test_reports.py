"""NIS2 reports: each kind's Art. 23(4) content, the STIX 2.1 bundle, the HTML page, submissions moving the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cybershield.response import (
    Changes,
    GroupingRules,
    ResponseError,
    ResponseService,
    report_bundle,
    validate_bundle,
    zone,
)
from cybershield.response.reports import FIELDS, report_html


@pytest.fixture
def service(store, tmp_path) -> ResponseService:
    return ResponseService(store, zone("Europe/Brussels"), "hub-be", GroupingRules(), tmp_path, tmp_path)


@pytest.fixture
def incident(service) -> str:
    opened = service.store.open_incident("Ransomware <script>", datetime(2026, 1, 28, 9, tzinfo=UTC), "essential",
                                         sector="health", entity="St. Example", country="BE", severity="high")
    service.store.update(opened["id"], Changes(
        fields={"suspected_malicious": True, "impact": "EHR offline", "root_cause": "phishing", "cross_border": True,
                "threat_type": "ransomware", "description": "LockBit on 40 hosts"},
        additions={"observables": [{"type": "ipv4-addr", "value": "203.0.113.9"}, {"type": "host", "value": "ws-1"},
                                   {"type": "domain-name", "value": "evil.example"}],
                   "techniques": ["T1486"], "mitigation": ["isolated the VLAN"], "countries": ["NL"]}))
    return opened["id"]


def test_early_warning_holds_point_a(service, incident):
    report = service.report(incident, "early-warning")
    assert set(report["fields"]) == {"suspected_malicious", "cross_border_impact"}
    assert report["fields"]["suspected_malicious"] is True
    assert report["fields"]["cross_border_impact"] == {"likely": True, "member_states": ["BE", "NL"]}
    assert report["deadline"] == "2026-01-29T09:00:00Z" and report["legal_basis"].endswith("(a)")


def test_notification_holds_assessment_and_iocs(service, incident):
    report = service.report(incident, "notification")
    assert report["fields"]["initial_assessment"] == {"severity": "high", "impact": "EHR offline"}
    assert [i["value"] for i in report["fields"]["indicators_of_compromise"]] == ["203.0.113.9", "evil.example"]
    assert report["missing"] == []


def test_final_report_holds_point_d_and_lists_what_is_missing(service, incident):
    report = service.report(incident, "final")
    assert set(report["fields"]) == set(FIELDS["final"][1])
    assert report["fields"]["threat_type_or_root_cause"] == {"threat_type": "ransomware", "root_cause": "phishing"}
    assert report["fields"]["mitigation"] == ["isolated the VLAN"]
    assert report["deadline"] is None  # not due before the notification
    bare = service.store.open_incident("bare", datetime(2026, 1, 28, tzinfo=UTC), "important")
    assert set(service.report(bare["id"], "final")["missing"]) >= {"description", "mitigation", "threat_type_or_root_cause"}


def test_intermediate_and_progress_carry_status_updates_since_the_notification(service, incident):
    service.submit(incident, "notification", datetime(2026, 1, 30, 9, tzinfo=UTC))
    service.store.update(incident, Changes(columns={"status": "triage"}))
    for kind in ("intermediate", "progress"):
        updates = service.report(incident, kind)["fields"]["status_updates"]
        assert [u["change"] for u in updates] == [{"status": "triage"}]


def test_stix_bundle_is_valid_and_holds_an_incident(service, incident):
    bundle = report_bundle(service.report(incident, "notification"))
    assert validate_bundle(bundle) == []
    types = [o["type"] for o in bundle["objects"]]
    assert types.count("incident") == 1 and types.count("indicator") == 2 and "attack-pattern" in types
    stix_incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    assert stix_incident["nis2_report"] == "notification"
    assert stix_incident["nis2_fields"]["initial_assessment"]["severity"] == "high"
    assert {p["pattern"] for p in bundle["objects"] if p["type"] == "indicator"} == {
        "[ipv4-addr:value = '203.0.113.9']", "[domain-name:value = 'evil.example']"}


def test_html_page_shows_the_fields_escaped(service, incident):
    page = report_html(service.report(incident, "final"))
    assert "Final report" in page and "LockBit on 40 hosts" in page and "ransomware" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_submission_is_recorded_and_moves_the_clock(service, incident):
    assert service.clock(incident)["deadlines"]["final_report"] is None
    with pytest.raises(ResponseError, match="notification"):
        service.submit(incident, "final", datetime(2026, 1, 30, tzinfo=UTC))
    result = service.submit(incident, "notification", datetime(2026, 1, 31, 11, tzinfo=UTC))
    assert result["clock"]["deadlines"]["final_report"] == "2026-02-28T11:00:00Z"
    assert result["clock"]["submitted"]["notification"] == "2026-01-31T11:00:00Z"
    assert service.store.submission(incident, "notification")["report"] == "notification"
    with pytest.raises(ResponseError, match="before the entity became aware"):
        service.submit(incident, "early-warning", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ResponseError, match="unknown report kind"):
        service.report(incident, "summary")


def test_bundle_is_valid_when_awareness_is_later_than_generation(service):
    # awareness given ahead of the clock (a planned exercise): the incident's modified is never before created
    future = service.store.open_incident("exercise", datetime(2099, 1, 1, tzinfo=UTC), "important")
    assert validate_bundle(report_bundle(service.report(future["id"], "early-warning"))) == []
