"""Cross-border correlation: K countries within the window make an early warning, once; the warning is
valid STIX with the agreement's TLP; large-scale cases are escalated; internal addresses never leave."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from cybershield.intel import TLP2_IDS, IntelStore
from cybershield.network import (
    Agreement,
    Correlator,
    Observable,
    Sighting,
    external_observables,
    write_escalation,
)
from cybershield.storage import open_database

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
C2 = Observable("ipv4-addr", "203.0.113.66")
AGREEMENT = Agreement.from_dict({"members": ["de-hub", "fr-hub", "nl-hub", "be-hub"], "warning_tlp": "amber",
                                 "escalation": {"min_countries": 2, "min_severity": "critical"}})


def _sighting(n: int, country: str, at: datetime, observable: Observable = C2, severity: str = "high") -> Sighting:
    return Sighting(f"sighting--{n:08d}-0000-4000-8000-000000000000", observable, country, f"{country.lower()}-hub",
                    at, at + timedelta(minutes=5), 3, severity, ("T1071.001",))


@pytest.fixture
def correlator(db_url):
    return Correlator(open_database(db_url), "eu-xb", AGREEMENT)


def test_two_countries_within_the_window_make_one_warning(correlator, db_url):
    assert correlator.add([_sighting(1, "DE", T0), _sighting(2, "DE", T0 + timedelta(hours=1))]) == []
    # a second country 30 h later is outside the 24 h window of the first country's sightings
    assert correlator.add([_sighting(3, "FR", T0 + timedelta(hours=30))]) == []
    (warning,) = correlator.add([_sighting(4, "NL", T0 + timedelta(hours=31))])
    assert warning.countries == ["FR", "NL"] and not warning.escalated
    # the same sightings again (a redelivered envelope) change nothing
    assert correlator.add([_sighting(3, "FR", T0 + timedelta(hours=30)), _sighting(4, "NL", T0 + timedelta(hours=31))]) == []
    # a third country: a new version of the same report
    (again,) = correlator.add([_sighting(5, "DE", T0 + timedelta(hours=32))])
    assert again.report_id == warning.report_id and again.countries == ["DE", "FR", "NL"]
    assert again.modified >= warning.modified and again.created == warning.created

    report = next(o for o in again.bundle["objects"] if o["type"] == "report")
    facts = report["x_cybershield_warning"]
    assert facts["sightings"]["FR"]["count"] == 3 and set(facts["sightings"]) == {"DE", "FR", "NL"}
    assert facts["techniques"] == ["T1071.001"] and report["object_marking_refs"] == [TLP2_IDS["AMBER"]]
    indicator = next(o for o in again.bundle["objects"] if o["type"] == "indicator")
    assert indicator["pattern"] == "[ipv4-addr:value = '203.0.113.66']" and indicator["id"] in report["object_refs"]
    assert any(o["type"] == "course-of-action" for o in again.bundle["objects"])
    # the bundle is valid STIX 2.1: the intel store takes every object of it
    store = IntelStore.open(db_url)
    result = store.add(again.bundle["objects"])
    assert not result.rejected, result.rejected


def test_large_scale_cases_are_escalated_with_a_package(correlator, tmp_path):
    correlator.add([_sighting(1, "DE", T0, severity="critical")])
    (warning,) = correlator.add([_sighting(2, "BE", T0, severity="high")])
    assert not warning.escalated  # only one country at critical
    (warning,) = correlator.add([_sighting(3, "FR", T0, severity="critical")])
    assert warning.escalated
    folder = write_escalation(warning, "eu-xb", tmp_path)
    case = orjson.loads((folder / "case.json").read_bytes())
    assert case["countries"] == ["BE", "DE", "FR"] and case["for"] == ["EU-CyCLONe", "CSIRTs network"]
    assert orjson.loads((folder / "stix.json").read_bytes())["type"] == "bundle"


def test_one_country_many_times_is_no_warning(correlator):
    assert correlator.add([_sighting(i, "DE", T0 + timedelta(minutes=i)) for i in range(20)]) == []


@pytest.mark.parametrize("spec", [{"members": ["a", "b"]}, {"members": ["a", "b", "c"], "tlp_ceiling": "PURPLE"},
                                  {"members": ["a", "b", "c"], "warning": {"window_hours": 0}},
                                  {"members": ["a", "b", "c"], "escalation": {"min_severity": "urgent"}}])
def test_a_bad_agreement_is_refused(spec):
    with pytest.raises(ValueError):
        Agreement.from_dict(spec)


def test_internal_addresses_and_constituent_ranges_never_leave():
    event = {"source.ip": "10.20.0.15", "destination.ip": "203.0.113.66", "dns.question.name": "C2.Example.NET.",
             "file.hash.sha256": "AB" * 32, "url.full": None, "tls.client.server_name": "printer.local"}
    found = external_observables(event)
    assert found == sorted([Observable("domain-name", "c2.example.net"), Observable("file:hashes.'SHA-256'", "ab" * 32),
                            Observable("ipv4-addr", "203.0.113.66")])
    assert external_observables({"source.ip": "198.51.100.7"}, [ipaddress.ip_network("198.51.100.0/24")]) == []
    for internal in ("192.168.1.1", "172.16.3.4", "127.0.0.1", "fe80::1", "100.64.0.1", "not-an-ip"):
        assert external_observables({"destination.ip": internal}) == []
    assert external_observables({"destination.ip": "2001:db8::1"}) == [Observable("ipv6-addr", "2001:db8::1")]
