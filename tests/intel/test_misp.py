"""MISP <-> STIX 2.1 on the real PyMISP sample events: what survives the round trip, asserted;
feed directories; malformed MISP JSON."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_instance

from cybershield.intel import TLP2_IDS, MispFormatError, misp_to_stix, stix_to_misp, write_misp_feed

pytestmark = pytest.mark.shared
RENAMED = {"tlp:white": "tlp:clear"}
#: Attribute types with a STIX form (indicator, observable or vulnerability).
CONVERTED = {"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain", "hostname", "url", "link", "uri",
             "email", "email-src", "email-dst", "md5", "sha1", "sha256", "sha512", "filename", "filename|md5",
             "filename|sha1", "filename|sha256", "regkey", "mutex", "vulnerability", "yara", "sigma", "snort"}


def samples(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "intel/misp/pymisp/tests/reportlab_testfiles").glob("*.json"))


def source_event(path: Path) -> MISPEvent:
    event = MISPEvent()
    event.load_file(str(path))
    return event


def all_attributes(event: MISPEvent) -> list:
    return list(event.attributes) + [a for o in event.objects for a in o.attributes]


def attribute_facts(event: MISPEvent) -> set[tuple]:
    """What must survive, per attribute; attribute tags too (TLP 1.0's white comes back as clear)."""
    return {(a.uuid, a.type, str(a.value), bool(a.to_ids), a.category, getattr(a, "object_relation", None),
             tuple(sorted(RENAMED.get(t.name, t.name) for t in a.tags)))
            for a in all_attributes(event) if a.type in CONVERTED}


def test_every_sample_round_trips(shared_data: Path):
    paths = samples(shared_data)
    assert len(paths) >= 13
    options = ValidationOptions(version="2.1")
    for path in paths:
        source = source_event(path)
        converted = misp_to_stix(path.read_bytes())
        result = validate_instance(converted.bundle, options)
        assert result.is_valid, (path.name, [str(e) for e in result.errors][:5])
        back = stix_to_misp(converted.objects)
        event = back.event
        assert not back.skipped, path.name
        # the event itself
        assert (event.uuid, event.info, event.date) == (source.uuid, source.info, source.date), path.name
        assert event.Orgc.name == source.Orgc.name
        # attributes and object attributes of every type with a STIX form, exactly
        assert attribute_facts(event) == attribute_facts(source), path.name
        # the rest is counted, type by type
        lost = Counter(a.type for a in all_attributes(source) if a.type not in CONVERTED)
        assert converted.skipped == lost, path.name
        # objects keep their uuid and name
        kept = {(o.uuid, o.name) for o in source.objects if any(a.type in CONVERTED for a in o.attributes)}
        assert {(o.uuid, o.name) for o in event.objects} == kept, path.name
        # tags: tlp:white comes back as TLP 2.0's tlp:clear, everything else unchanged
        assert sorted(t.name for t in event.tags) == sorted(RENAMED.get(t.name, t.name) for t in source.tags), path.name
        # sightings: same type and date on the same attribute
        def sightings(ev):
            return sorted((a.uuid, str(s.type), str(int(s.date_sighting.timestamp()) if hasattr(s.date_sighting, "timestamp") else s.date_sighting))
                          for a in all_attributes(ev) for s in a.sightings if a.type in CONVERTED)
        assert sightings(event) == sightings(source), path.name


def test_tags_become_tlp_markings_and_attack_patterns(shared_data: Path):
    path = shared_data / "intel/misp/pymisp/tests/reportlab_testfiles/image_event.json"
    objects = misp_to_stix(path.read_bytes()).objects
    by_type = Counter(o["type"] for o in objects)
    assert by_type["marking-definition"] == 1
    [marking] = [o for o in objects if o["type"] == "marking-definition"]
    assert marking["id"] == TLP2_IDS["CLEAR"] and marking["name"] == "TLP:CLEAR"
    [pattern] = [o for o in objects if o["type"] == "attack-pattern"]
    assert pattern["external_references"][0]["external_id"] == "T1441"
    indicators = [o for o in objects if o["type"] == "indicator"]
    assert indicators and all(TLP2_IDS["CLEAR"] in o["object_marking_refs"] for o in indicators)
    stix = [o for o in indicators if o["pattern_type"] == "stix"]
    assert stix and all(o["external_references"][0]["external_id"] == "T1441" for o in stix)
    relationships = [o for o in objects if o["type"] == "relationship"]
    assert {r["target_ref"] for r in relationships} == {pattern["id"]}
    assert len(relationships) == len(stix)
    [report] = [o for o in objects if o["type"] == "report"]
    assert 'misp-galaxy:threat-actor="STOLEN PENCIL"' in report["labels"]


def test_attribute_attack_tags_reach_the_indicators(shared_data: Path):
    path = shared_data / "intel/misp/pymisp/tests/reportlab_testfiles/galaxy_1.json"
    source = source_event(path)
    tagged = {a.uuid: {t.name for t in a.tags} for a in all_attributes(source) if a.tags}
    objects = {o["id"].split("--")[1]: o for o in misp_to_stix(path.read_bytes()).objects
               if o["type"] == "indicator" and o["pattern_type"] == "stix"}
    techniques = {uid: {r["external_id"] for r in objects[uid].get("external_references", [])}
                  for uid in tagged if uid in objects}
    # the old enterprise-attack galaxy name counts; a course-of-action (mitigation) tag does not
    assert set().union(*techniques.values()) == {"T1098"}
    assert all(set(objects[uid]["labels"]) == {t for t in tagged[uid] if not t.startswith("tlp:")}
               for uid in techniques)


def test_to_ids_decides_indicator_or_observable_and_sightings_convert(shared_data: Path):
    path = shared_data / "intel/misp/pymisp/tests/reportlab_testfiles/sighting_1.json"
    source = source_event(path)
    objects = misp_to_stix(path.read_bytes()).objects
    ids = {o["id"].split("--")[1]: o["type"] for o in objects if o["type"] in ("indicator", "observed-data")}
    for attribute in source.attributes:
        assert ids[attribute.uuid] == ("indicator" if attribute.to_ids else "observed-data")
    sightings = [o for o in objects if o["type"] == "sighting"]
    assert len(sightings) == sum(len(a.sightings) for a in source.attributes) == 6
    assert Counter(s["x_misp_sighting_type"] for s in sightings) == Counter(
        {"0": "sighting", "1": "false-positive", "2": "expiration"}[str(s.type)] for a in source.attributes
        for s in a.sightings)


def test_feed_directory(shared_data: Path, tmp_path: Path):
    events = [stix_to_misp(misp_to_stix(p.read_bytes()).objects).event for p in samples(shared_data)]
    manifest = write_misp_feed(events, tmp_path / "feed")
    feed = tmp_path / "feed"
    assert json.loads((feed / "manifest.json").read_text()) == manifest
    assert set(manifest) == {e.uuid for e in events}
    for event in events:
        entry = manifest[event.uuid]
        assert entry["info"] == event.info and entry["Orgc"]["name"]
        reloaded = MISPEvent()
        reloaded.load_file(str(feed / f"{event.uuid}.json"))
        assert {a.uuid for a in all_attributes(reloaded)} == {a.uuid for a in all_attributes(event)}
    rows = list(csv.reader((feed / "hashes.csv").open()))

    def digests(attribute) -> list[str]:  # MISP hashes each part of a composite (a|b) value
        value = str(attribute.value)
        parts = value.split("|") if "|" in attribute.type else [value]
        return [hashlib.md5(p.encode()).hexdigest() for p in parts]

    expected = {(d, e.uuid) for e in events for a in all_attributes(e) for d in digests(a)}
    assert {tuple(r) for r in rows} == expected


@pytest.mark.parametrize("doc, message", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"foo": 1}', "no 'info'"),
    (b'{"Event": {"info": "x", "Attribute": "nope"}}', "Attribute must be a list"),
    (b'{"Event": []}', "expected a JSON object"),
])
def test_malformed_misp_json_gives_a_clear_error(doc: bytes, message: str):
    with pytest.raises(MispFormatError, match=message):
        misp_to_stix(doc)


def test_stix_from_elsewhere_exports_to_misp(shared_data: Path):
    """A STIX bundle that never was MISP (OASIS's APT1 report): simple patterns become attributes,
    the rest is counted, and the event is a valid MISP event (PyMISP reloads it)."""
    path = shared_data / "intel/stix2.1/oasis-cti-stix2-json-schemas/examples/threat-reports/apt1.json"
    objects = json.loads(path.read_text())["objects"]
    export = stix_to_misp(objects)
    indicators = [o for o in objects if o["type"] == "indicator"]
    assert len(export.event.attributes) + sum(export.skipped.values()) == len(indicators)
    assert export.skipped == Counter({"indicator: stix": 2})  # the two x509-certificate patterns, ANDed
    assert export.event.info == next(o["name"] for o in objects if o["type"] == "report")
    assert {a.type for a in export.event.attributes} == {"ip-dst", "domain", "md5"}
    assert all(a.to_ids for a in export.event.attributes)
    reloaded = MISPEvent()
    reloaded.load(export.event.to_json())
    assert len(reloaded.attributes) == len(export.event.attributes)
