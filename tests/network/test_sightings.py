"""Sightings shared up: valid STIX, anonymised to the country, read back by the cross-border hub, applied once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from cybershield.intel import IntelStore
from cybershield.network import Agreement, Correlator, Observable, Seen, read_sightings, sightings_bundle
from cybershield.storage import open_database

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
C2 = Observable("ipv4-addr", "203.0.113.66")
PAYLOAD = Observable("file:hashes.'SHA-256'", "ab" * 32)


def _seen(key: str, *observables: Observable) -> Seen:
    return Seen(key, "high", ("T1059.001",), T0, T0 + timedelta(minutes=3), observables, 2)


def test_a_sightings_bundle_is_valid_stix_and_names_only_the_country(tmp_path):
    bundle = sightings_bundle("de-hub", "DE", [_seen("k1", C2, PAYLOAD), _seen("k2", C2)])
    text = orjson.dumps(bundle).decode()
    assert "10." not in text.replace("2.1", "")  # no internal address, whatever field
    kinds = [o["type"] for o in bundle["objects"]]
    assert kinds.count("sighting") == 3 and kinds.count("indicator") == 2  # one indicator per value
    sightings = [o for o in bundle["objects"] if o["type"] == "sighting"]
    identity = next(o for o in bundle["objects"] if o["type"] == "identity")
    assert identity["name"] == "de-hub" and identity["x_cybershield_country"] == "DE"
    assert all(s["where_sighted_refs"] == [identity["id"]] for s in sightings)
    store = IntelStore.open(f"sqlite:///{tmp_path / 'x.db'}")
    assert not store.add(bundle["objects"]).rejected
    # the same alert shared again is the same sighting (the receiver applies it once)
    again = sightings_bundle("de-hub", "DE", [_seen("k1", C2)])
    assert {o["id"] for o in again["objects"] if o["type"] == "sighting"} <= {s["id"] for s in sightings}


def test_nothing_shareable_gives_an_empty_bundle():
    assert sightings_bundle("de-hub", "DE", [_seen("k1")])["objects"] == []


def test_the_cross_border_hub_reads_and_correlates_them(tmp_path):
    correlator = Correlator(open_database(f"sqlite:///{tmp_path / 'xb.db'}"), "eu-xb",
                            Agreement.from_dict({"members": ["de-hub", "fr-hub", "nl-hub"]}))
    de, refused = read_sightings(sightings_bundle("de-hub", "DE", [_seen("k1", C2)]), "de-hub", "DE")
    assert refused == [] and [(s.observable, s.country, s.count, s.severity) for s in de] == [(C2, "DE", 2, "high")]
    assert correlator.add(de) == []
    fr, _ = read_sightings(sightings_bundle("fr-hub", "FR", [_seen("k9", C2)]), "fr-hub", "FR")
    (warning,) = correlator.add(fr)
    assert warning.countries == ["DE", "FR"]


def test_hostile_sightings_are_refused_with_a_reason_not_an_exception():
    good = sightings_bundle("de-hub", "DE", [_seen("k1", C2)])
    broken = [dict(o) for o in good["objects"]]
    for obj in broken:
        if obj["type"] == "sighting":
            obj["first_seen"] = "yesterday"
    found, refused = read_sightings({"objects": broken + [{"type": "sighting", "id": "x"}, "junk", 7]}, "de-hub", "DE")
    assert found == [] and len(refused) == 2 and "yesterday" in refused[0]
    assert read_sightings({"type": "bundle"}, "de-hub", "DE") == ([], ["the payload is not a STIX bundle"])
    assert read_sightings(["not", "a", "bundle"], "de-hub", "DE")[1] == ["the payload is not a STIX bundle"]



def test_alerts_carry_what_their_events_showed_and_only_those_events():
    import pyarrow as pa

    from cybershield.detect import Alert
    from cybershield.detect.alerts import EventRef
    from cybershield.detect.observed import attach_observed
    from cybershield.network import external_observables

    table = pa.table({"event.provenance.source": ["a", "a", "b"], "event.provenance.record_id": [1, 2, 1],
                      "destination.ip": ["203.0.113.66", "198.51.100.1", "10.0.0.1"],
                      "dns.question.name": [None, "evil.example.net", None]})
    alert = Alert("sigma", "r1", "rule", "high", [EventRef("a", 2), EventRef("b", 1)])
    quiet = Alert("sigma", "r2", "rule", "high", [EventRef("zzz", 9)])
    attach_observed([alert, quiet], table)
    assert alert.context["observed"] == [{"destination.ip": "198.51.100.1", "dns.question.name": "evil.example.net"},
                                         {"destination.ip": "10.0.0.1"}]
    assert "observed" not in quiet.context
    shared = sorted({o for event in alert.context["observed"] for o in external_observables(event)})
    assert shared == [Observable("domain-name", "evil.example.net"), Observable("ipv4-addr", "198.51.100.1")]
