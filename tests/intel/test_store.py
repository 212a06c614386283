"""The intel store on SQLite and PostgreSQL: validation per object, versions, paging, edges, active indicators."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import update

from cybershield.intel import IntelStore, marking_definition
from cybershield.intel.importer import discover, import_file
from cybershield.intel.store import CLOCK

from .factory import T0, indicator, malware, relationship, sid, sighting


@pytest.fixture
def store(db_url) -> IntelStore:
    return IntelStore.open(db_url)


def test_bad_objects_are_rejected_with_reasons_and_the_rest_lands(store):
    bad_pattern = indicator(2, pattern="[ipv4-addr:value = ")
    result = store.add([indicator(1), bad_pattern, {"type": "indicator", "id": "nonsense"}, "text", indicator(3)])
    assert [s.status for s in result.statuses] == ["stored", "rejected", "rejected", "rejected", "stored"]
    assert any("Pattern" in reason for reason in result.statuses[1].reasons)
    assert any("id format" in reason for reason in result.statuses[2].reasons)
    assert result.statuses[3].reasons == ("not a JSON object but str",)
    assert store.get(sid("indicator", 2)) is None
    assert store.get(sid("indicator", 3))["name"] == "bad host 3"


def test_versions_are_all_kept_and_the_newest_wins(store):
    first, second, third = (indicator(1, modified=m) for m in (T0, "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"))
    assert [s.status for s in store.add([second, first]).statuses] == ["stored", "updated"]
    assert [s.status for s in store.add([third, second]).statuses] == ["updated", "unchanged"]
    assert store.get(first["id"])["modified"] == third["modified"]
    every = store.page("hub", versions=["all"]).objects
    assert [o.version[:10] for o in every] == ["2024-02-01", "2024-01-01", "2024-03-01"]
    assert [o.version[:7] for o in store.page("hub", versions=["first"]).objects] == ["2024-01"]
    assert [o.version[:7] for o in store.page("hub", versions=["last"]).objects] == ["2024-03"]
    assert [o.version[:7] for o in store.page("hub", versions=["2024-02-01T00:00:00Z"]).objects] == ["2024-02"]


def test_custom_properties_and_the_json_are_kept(store):
    obj = indicator(1, x_acme_score=97, labels=["c2"])
    store.add([obj])
    assert store.get(obj["id"]) == obj


def test_revoked_and_expired_indicators_are_not_active(store):
    revoked = indicator(2, modified="2024-02-01T00:00:00.000Z", revoked=True)
    store.add([indicator(1), indicator(2), revoked, indicator(3, valid_until="2024-06-01T00:00:00Z"),
               indicator(4, valid_until="2999-01-01T00:00:00Z"), malware(1)])
    active = {o["id"] for o in store.active_indicators(now="2025-01-01T00:00:00.000000Z")}
    assert active == {sid("indicator", 1), sid("indicator", 4)}
    assert sid("indicator", 3) in {o["id"] for o in store.active_indicators(now="2024-05-01T00:00:00.000000Z")}


def test_keyset_pages_cover_everything_once_with_filters(store):
    store.add([indicator(n) for n in range(25)] + [malware(n) for n in range(5)])
    seen, cursor = [], None
    while True:
        page = store.page("hub", cursor=cursor, limit=7)
        seen += [o.id for o in page.objects]
        if not page.more:
            break
        cursor = page.next
    assert len(seen) == len(set(seen)) == 30
    assert len(store.page("hub", types=["malware"], limit=100).objects) == 5
    assert [o.id for o in store.page("hub", ids=[sid("indicator", 4)]).objects] == [sid("indicator", 4)]
    middle = store.page("hub", limit=10).objects[-1].date_added
    assert len(store.page("hub", added_after=middle, limit=100).objects) == 20
    assert store.page("other").objects == []
    with pytest.raises(ValueError):
        store.page("hub", cursor="not-a-cursor")
    with pytest.raises(ValueError):
        store.page("hub", added_after="yesterday")


def test_relationships_sightings_and_tlp_levels(store):
    ind, mal = indicator(1, tlp="RED"), malware(1, tlp="GREEN")
    store.add([ind, mal, relationship(1, ind["id"], mal["id"]), sighting(1, ind["id"], tlp="AMBER"),
               marking_definition("RED")])
    assert [r["id"] for r in store.relationships(mal["id"])] == [sid("relationship", 1)]
    assert [s["id"] for s in store.sightings(ind["id"])] == [sid("sighting", 1)]
    assert store.markings([ind["id"], mal["id"], sid("relationship", 1), "indicator--unknown"]) == {
        ind["id"]: [("RED", None, ())], mal["id"]: [("GREEN", None, ())],
        sid("relationship", 1): [(None, None, tuple(sorted([ind["id"], mal["id"]])))]}
    rel = store.page("hub", ids=[sid("relationship", 1)]).objects[0]
    assert set(rel.refs) == {ind["id"], mal["id"]}


def test_delete_recomputes_the_newest_version(store):
    store.add([indicator(1), indicator(1, modified="2024-02-01T00:00:00.000Z")])
    assert store.delete("hub", sid("indicator", 1), versions=["last"]) == 1
    assert store.get(sid("indicator", 1))["modified"] == T0
    assert store.delete("hub", sid("indicator", 1)) == 1
    assert store.get(sid("indicator", 1)) is None


def test_observables_without_timestamps_are_versioned_by_content(store):
    ip = {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
          "value": "198.51.100.3"}
    assert [s.status for s in store.add([ip, ip]).statuses] == ["stored", "unchanged"]
    assert store.get(ip["id"]) == ip


@pytest.mark.shared
def test_the_oasis_examples_and_the_stix2_filesystem_store_load(store, shared_data):
    root = shared_data / "intel" / "stix2.1"
    reports = [import_file(store, path) for path in discover([root]) if path.suffix == ".json"]
    by_kind = {r.kind for r in reports}
    assert by_kind == {"stix-bundle", "stix-object", None}
    # the interop folder holds JSON schemas, not STIX: reported as such, never read as objects
    assert {r.path.parent.name for r in reports if r.kind is None} == {"interop"}
    stored = sum(r.result.counts["stored"] + r.result.counts["updated"] for r in reports)
    assert stored > 250
    # stix2's own test data holds one malware without spec_version: the validator's reason is kept
    rejected = [s for r in reports for s in r.result.rejected]
    assert [(s.id, s.reasons) for s in rejected] == [("malware--b42378e0-f147-496f-992a-26a49705395b", (
        "malware--b42378e0-f147-496f-992a-26a49705395b: 'spec_version' is a required property",))]
    types = {o.type for o in store.latest()}
    assert {"indicator", "malware", "relationship", "report", "identity", "attack-pattern", "campaign",
            "course-of-action", "infrastructure", "threat-actor", "tool", "marking-definition", "directory",
            "domain-name"} <= types, types


def test_import_reports_unknown_and_broken_files(store, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "bundle.json.gz").write_bytes(gzip.compress(json.dumps(
        {"type": "bundle", "id": "bundle--6a9b3d4c-2c3d-4c8e-9a4b-1d2e3f4a5b6c", "objects": [indicator(1)]}).encode()))
    (tmp_path / "weird.json").write_text('{"hello": 1}')
    reports = {r.path.name: r for r in (import_file(store, p) for p in discover([tmp_path]))}
    assert reports["bundle.json.gz"].result.counts["stored"] == 1
    assert reports["notes.txt"].error.startswith("not JSON")
    assert reports["weird.json"].error.startswith("no known intelligence format")


@pytest.mark.shared
def test_the_attack_bundle_loads_in_bulk(shared_data, tmp_path):
    store = IntelStore.open(f"sqlite:///{tmp_path / 'attack.db'}")
    bundle = json.loads(gzip.decompress((shared_data / "attack" / "enterprise-attack-18.1.stix21.json.gz").read_bytes()))
    result = store.add(bundle["objects"])
    assert result.counts["stored"] == len(bundle["objects"]) == 24_771, result.rejected[:3]
    assert store.count() == 24_771
    technique = next(o for o in bundle["objects"] if o["type"] == "attack-pattern")
    assert store.get(technique["id"]) == technique  # x_mitre_* custom properties kept
    assert len(store.relationships(technique["id"])) > 0
    assert sum(1 for o in store.latest(types=["relationship"])) == 20_048


def test_date_added_is_unique_increasing_and_after_the_clock(store):
    store.add([indicator(n) for n in range(40)])
    with store.engine.begin() as conn:  # a clock ahead of this machine's (another writer's, a clock step back)
        conn.execute(update(CLOCK).values(last_added="2999-12-31T23:59:59.999998Z"))
    result = store.add([indicator(n) for n in range(40, 45)] + [indicator(3)])
    assert [s.status for s in result.statuses] == ["stored"] * 5 + ["unchanged"]
    added = [o.date_added for o in store.page("hub", limit=100).objects]
    assert len(added) == len(set(added)) == 45 and added == sorted(added)
    assert added[39] < "2999" and added[40:] == ["2999-12-31T23:59:59.999999Z", "3000-01-01T00:00:00.000000Z",
                                                 "3000-01-01T00:00:00.000001Z", "3000-01-01T00:00:00.000002Z",
                                                 "3000-01-01T00:00:00.000003Z"]


def test_page_filters_combine(store):
    versions = (T0, "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z")
    store.add([indicator(n, modified=m) for n in (1, 2) for m in versions] + [malware(1)])
    ids = [sid("indicator", 1), sid("malware", 1)]

    def found(**filters) -> list[tuple[str, str]]:
        return sorted((o.id, o.version[:7]) for o in store.page("hub", **filters).objects)

    assert found(ids=ids, versions=["first", "2024-02-01T00:00:00Z"]) == sorted([
        (sid("indicator", 1), "2024-01"), (sid("indicator", 1), "2024-02"), (sid("malware", 1), "2024-01")])
    assert found(ids=ids, types=["indicator"], versions=["last"]) == [(sid("indicator", 1), "2024-03")]
    assert found(types=["indicator"], versions=["2024-02-01T00:00:00.000000Z"], spec_versions=["2.1"]) == sorted([
        (sid("indicator", 1), "2024-02"), (sid("indicator", 2), "2024-02")])
    assert found(types=["indicator"], spec_versions=["2.0"]) == []
    assert found(ids=["indicator--unknown"], versions=["all"]) == []
    assert len(found(versions=["all"], limit=100)) == 7
    assert store.delete("hub", sid("indicator", 2), versions=["2024-02-01T00:00:00Z", "first"]) == 2
    assert found(ids=[sid("indicator", 2)], versions=["all"]) == [(sid("indicator", 2), "2024-03")]
