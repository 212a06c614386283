"""Incidents shared up: built from a real incident store at country level under the agreement, read back and
judged by the cross-border hub's desk (hostile facts refused with a reason, each version kept once), warned
from the agreement's severity, clustered into campaigns across countries and escalated by the large-scale rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from cybershield.hub import parse_hub_config
from cybershield.intel import TLP2_IDS, IntelStore
from cybershield.network import Agreement
from cybershield.network.campaigns import campaigns
from cybershield.network.incident_share import FACTS, incident_bundle
from cybershield.network.incidents import BadIncident, IncidentDesk, carries_incident, read_incident
from cybershield.network.observables import Observable, alert_observables
from cybershield.response import IncidentStore, build_changes
from cybershield.response.attribution import AttributionModel, Params, derive_profiles
from cybershield.storage import open_database

from ..response.test_attribution import tiny_bundle

C2 = "198.51.100.23"
AGREEMENT = Agreement.from_dict({"members": ["de-hub", "fr-hub", "nl-hub"], "incident_min_severity": "medium",
                                 "warning": {"incident_severity": "high"},
                                 "escalation": {"min_countries": 2, "min_severity": "high"}})


def _incident(store: IncidentStore, severity: str = "high", *observables: str, techniques: str = "T1486,T1059.001",
              software: str = "LockBit") -> dict:
    opened = store.open_incident("Ransomware at Klinikum Nord", datetime.now(UTC) - timedelta(hours=2), "essential",
                                 sector="health", severity=severity, entity="Klinikum Nord", country="DE")
    changes = build_changes({"observable": list(observables), "technique": [techniques], "software": [software],
                             "note": ["the CEO's laptop ws-17 was hit first"]}, "analyst", UTC)
    return store.update(opened["id"], changes)


@pytest.fixture
def store(tmp_path) -> IncidentStore:
    return IncidentStore.open(f"sqlite:///{tmp_path / 'national.db'}")


def test_an_incident_is_shared_at_country_level_with_its_external_indicators_only(store, tmp_path):
    view = _incident(store, "high", f"ipv4-addr={C2}", "ipv4-addr=10.1.2.3", "host=ws-17.klinikum.local",
                     "domain-name=Update-Check.example.net.", "user-account=j.doe")
    bundle = incident_bundle("de-hub", "DE", view, [], AGREEMENT, "AMBER")
    text = orjson.dumps(bundle).decode()
    for private in ("10.1.2.3", "ws-17", "Klinikum", "j.doe", "CEO", view["id"]):
        assert private not in text, private
    (incident,) = [o for o in bundle["objects"] if o["type"] == "incident"]
    facts = incident[FACTS]
    assert facts["observables"] == ["domain-name=update-check.example.net", f"ipv4-addr={C2}"]
    assert (facts["country"], facts["severity"], facts["sector"]) == ("DE", "high", "health")
    assert facts["techniques"] == ["T1059.001", "T1486"] and facts["software"] == ["LockBit"]
    assert incident["object_marking_refs"] == [TLP2_IDS["AMBER"]] and incident["modified"].startswith(view["updated"][:19])
    patterns = {o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"}
    assert patterns == {f"[ipv4-addr:value = '{C2}']", "[domain-name:value = 'update-check.example.net']"}
    assert carries_incident(bundle)
    assert not IntelStore.open(f"sqlite:///{tmp_path / 'check.db'}").add(bundle["objects"]).rejected  # valid STIX 2.1
    # the same incident again has the same STIX id: the receiver keeps each version once
    again = incident_bundle("de-hub", "DE", store.get(view["id"]), [], AGREEMENT, "GREEN")
    assert next(o for o in again["objects"] if o["type"] == "incident")["id"] == incident["id"]


def test_an_alert_of_the_incident_adds_its_external_observables(store):
    view = _incident(store, "critical")
    alerts = [{"techniques": ["T1071.001"], "time": "2026-12-01T08:00:00Z",
               "document": {"context": {"observed": [{"source.ip": "10.9.8.7", "destination.ip": "203.0.113.80"}]}}}]
    facts = next(o for o in incident_bundle("de-hub", "DE", view, alerts, AGREEMENT, "AMBER")["objects"]
                 if o["type"] == "incident")[FACTS]
    assert facts["observables"] == ["ipv4-addr=203.0.113.80"] and "T1071.001" in facts["techniques"]
    assert facts["first_seen"] == "2026-12-01T08:00:00.000000Z"


def test_the_constituents_own_public_ranges_stay_home(store):
    """A constituent's public range (from the hub configuration) is as private as an internal one: neither the
    incident's observables nor its alerts' events send an address of it up."""
    home = parse_hub_config({"hub": {"name": "de-hub", "country": "DE"},
                             "constituents": {"klinikum": {"networks": ["203.0.113.0/25"]}}}).constituent_networks
    view = _incident(store, "critical", "ipv4-addr=203.0.113.10", f"ipv4-addr={C2}")
    alerts = [{"techniques": [], "time": "2026-12-01T08:00:00Z",
               "document": {"context": {"observed": [{"source.ip": "203.0.113.11", "destination.ip": "203.0.113.200"}]}}}]
    shared = incident_bundle("de-hub", "DE", view, alerts, AGREEMENT, "AMBER", home)
    facts = next(o for o in shared["objects"] if o["type"] == "incident")[FACTS]
    assert facts["observables"] == [f"ipv4-addr={C2}", "ipv4-addr=203.0.113.200"]
    assert b"203.0.113.10" not in orjson.dumps(shared) and b"203.0.113.11" not in orjson.dumps(shared)
    # without the ranges both would have travelled: the test sees the difference
    unguarded = next(o for o in incident_bundle("de-hub", "DE", view, alerts, AGREEMENT, "AMBER")["objects"]
                     if o["type"] == "incident")[FACTS]
    assert {"ipv4-addr=203.0.113.10", "ipv4-addr=203.0.113.11"} <= set(unguarded["observables"])
    assert alert_observables(alerts[0]["document"]["context"], home) == [Observable("ipv4-addr", "203.0.113.200")]


def test_what_the_agreement_does_not_take_is_not_shared(store):
    view = _incident(store, "high", f"ipv4-addr={C2}")
    assert incident_bundle("de-hub", "DE", _incident(store, "low", f"ipv4-addr={C2}"), [], AGREEMENT, "AMBER") is None
    assert incident_bundle("de-hub", "DE", _incident(store, "high", "ipv4-addr=192.168.1.5", "host=dc01"), [],
                           AGREEMENT, "AMBER") is None  # nothing that may leave the country
    sightings_only = Agreement.from_dict({"members": AGREEMENT.members, "share_types": ["sighting", "indicator"]})
    assert incident_bundle("de-hub", "DE", view, [], sightings_only, "AMBER") is None
    no_indicators = Agreement.from_dict({"members": AGREEMENT.members, "share_types": ["incident"]})
    kinds = {o["type"] for o in incident_bundle("de-hub", "DE", view, [], no_indicators, "AMBER")["objects"]}
    assert kinds == {"incident", "marking-definition"}


def _shared(store: IncidentStore, hub: str, country: str, severity: str, *observables: str, **kw) -> dict:
    return read_incident(incident_bundle(hub, country, _incident(store, severity, *observables, **kw), [], AGREEMENT,
                                         "AMBER"), hub, country)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda f: f["observables"].append("ipv4-addr=10.0.0.5"), "internal"),
    (lambda f: f["observables"].append("host=dc01.corp"), "internal or unshareable"),
    (lambda f: f.update(severity="apocalyptic"), "severity"),
    (lambda f: f["techniques"].append("rm -rf /"), "ATT&CK"),
    (lambda f: f.update(observables=["ipv4-addr=203.0.113.1"] * 501), "at most 500"),
    (lambda f: f.update(last_seen="2000-01-01T00:00:00Z"), "before first_seen"),
    (lambda f: f.update(first_seen="yesterday"), "ValueError"),
    (lambda f: f.update(sector="<script>alert(1)</script>"), "sector"),
    (lambda f: f.pop("severity"), "severity"),
])
def test_hostile_incident_facts_are_refused_with_a_reason(store, change, reason):
    bundle = incident_bundle("de-hub", "DE", _incident(store, "high", f"ipv4-addr={C2}"), [], AGREEMENT, "AMBER")
    change(next(o for o in bundle["objects"] if o["type"] == "incident")[FACTS])
    with pytest.raises(BadIncident, match=reason):
        read_incident(bundle, "de-hub", "DE")


def test_an_incident_bundle_holds_exactly_one_incident(store):
    bundle = incident_bundle("de-hub", "DE", _incident(store, "high", f"ipv4-addr={C2}"), [], AGREEMENT, "AMBER")
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    with pytest.raises(BadIncident, match="one incident per envelope"):
        read_incident({**bundle, "objects": [*bundle["objects"], {**incident, "id": "incident--x"}]}, "de-hub", "DE")
    with pytest.raises(BadIncident, match="carries no"):
        read_incident({**bundle, "objects": [{k: v for k, v in incident.items() if k != FACTS}]}, "de-hub", "DE")


def test_the_desk_keeps_each_version_once_warns_from_the_severity_and_escalates_a_campaign(store, db_url):
    desk = IncidentDesk(open_database(db_url), "xb-1", AGREEMENT)
    medium = _shared(store, "nl-hub", "NL", "medium", "domain-name=other.example.org", techniques="T1566",
                     software="Emotet")
    assert desk.take(medium).new and desk.take(medium).warning is None  # shared, below the warning's severity

    de = _shared(store, "de-hub", "DE", "high", f"ipv4-addr={C2}")
    first = desk.take(de)
    assert first.new and first.warning is not None and first.warning.countries == ["DE"]
    assert not first.warning.escalated
    assert desk.take(de) == type(first)(de["id"], new=False)  # a redelivery: nothing kept, nothing warned
    newer = {**de, "modified": de["modified"] + timedelta(minutes=1)}
    assert desk.take(newer).new and desk.take(newer).warning is None  # a note changed: kept, no new warning

    fr = _shared(store, "fr-hub", "FR", "critical", f"ipv4-addr={C2}", "url=http://198.51.100.23/x.exe",
                 techniques="T1105", software="Cobalt Strike")
    taken = desk.take(fr)
    assert taken.warning.countries == ["DE", "FR"] and taken.warning.escalated  # high in DE, critical in FR
    report = next(o for o in taken.warning.bundle["objects"] if o["type"] == "report")
    facts = report["x_cybershield_warning"]
    assert facts["incident"] == fr["id"] and facts["campaign"]["countries"] == ["DE", "FR"]
    assert [link["by"] for link in facts["campaign"]["links"]] == ["indicator"]
    assert report["object_marking_refs"] == [TLP2_IDS["AMBER"]]
    assert sum(o["type"] == "indicator" for o in taken.warning.bundle["objects"]) == 2

    sightings_only = Agreement.from_dict({"members": AGREEMENT.members, "share_types": ["sighting", "indicator"]})
    with pytest.raises(BadIncident, match="takes no incidents"):
        IncidentDesk(desk.sessions, "xb-2", sightings_only).take(de)

    (campaign,) = campaigns(desk.sessions)
    assert campaign["countries"] == ["DE", "FR"] and campaign["severity"] == "critical"
    assert [i["id"] for i in campaign["incidents"]] == [de["id"], fr["id"]]
    assert campaign["software"] == ["Cobalt Strike", "LockBit"]
    assert campaign["id"] == facts["campaign"]["id"]  # named after its earliest incident
    for hub, country in (("nl-hub", "NL"), ("de-hub", "DE")):  # a second campaign, of techniques ATT&CK knows
        desk.take(_shared(store, hub, country, "high", "domain-name=known.example.com", techniques="T1001,T1002,T1005",
                          software=f"tool-{country}"))
    unknown, known = campaigns(desk.sessions, AttributionModel(derive_profiles(tiny_bundle()), Params()))
    assert {k: v for k, v in unknown.items() if k != "attribution"} == campaign
    assert unknown["attribution"] == {"error": "nothing to attribute: none of the given techniques or software is in "
                                               "ATT&CK (unknown: T1059.001, T1105, T1486, Cobalt Strike, LockBit)"}
    assert known["countries"] == ["DE", "NL"] and known["attribution"]["candidates"][0]["id"] == "G0002"


def test_a_sector_that_is_no_short_name_stays_home_and_the_incident_still_travels(store):
    opened = store.open_incident("Outage", datetime.now(UTC), "essential", sector="health <b>ICU at St. Anna</b>",
                                 severity="high")
    view = store.update(opened["id"], build_changes({"observable": [f"ipv4-addr={C2}"],
                                                     "software": ["x" * 300, "Mimikatz"]}, "analyst", UTC))
    bundle = incident_bundle("de-hub", "DE", view, [], AGREEMENT, "AMBER")
    assert "St. Anna" not in orjson.dumps(bundle).decode()
    row = read_incident(bundle, "de-hub", "DE")
    assert row["sector"] is None and row["facts"]["software"] == ["Mimikatz"]
