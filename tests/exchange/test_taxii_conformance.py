"""taxii2-client against the TAXII 2.1 server under uvicorn: every endpoint and filter."""

from __future__ import annotations

import pytest
import requests
from taxii2client.v21 import Collection, Server, as_pages

from ..intel.factory import indicator, malware, relationship
from .conftest import PASSWORDS


def connect(hub, account: str = "be-hub") -> Server:
    return Server(f"{hub.url}/taxii2/", user=account, password=PASSWORDS[account])


def test_discovery_api_root_and_collections(hub):
    server = connect(hub)
    assert server.title == hub.settings.title
    assert server.default.url == f"{hub.url}/api1/"
    root = server.api_roots[0]
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == 200_000
    rights = {c.title: (c.can_read, c.can_write) for c in root.collections}
    assert rights == {"Hub intelligence": (True, True), "From peers": (True, True)}  # "Internal" is not listed
    fr_rights = {c.title: (c.can_read, c.can_write) for c in connect(hub, "fr-hub").api_roots[0].collections}
    assert fr_rights == {"Hub intelligence": (True, False), "From peers": (False, True)}
    one = Collection(hub.collection_url("hub"), user="be-hub", password=PASSWORDS["be-hub"])
    assert (one.id, one.title, one.media_types) == (hub.collection_id("hub"), "Hub intelligence",
                                                    ["application/stix+json;version=2.1"])


def test_post_status_get_paging_and_filters(hub):
    col = Collection(hub.collection_url("hub"), user="be-hub", password=PASSWORDS["be-hub"])
    objects = [indicator(n) for n in range(23)] + [malware(n) for n in range(4)]
    status = col.add_objects({"objects": objects + [{"type": "indicator", "id": "indicator--bogus"}]})
    assert (status.status, status.total_count, status.success_count, status.failure_count) == ("complete", 28, 27, 1)
    assert "id format" in status.failures[0]["message"]
    status.refresh()  # GET status
    assert status.success_count == 27

    pages = list(as_pages(col.get_objects, per_request=10))
    assert [len(p.get("objects", [])) for p in pages] == [10, 10, 7]
    assert [o["id"] for p in pages for o in p["objects"]] == [o["id"] for o in objects]
    assert col.get_objects(type="malware")["objects"] == objects[23:]
    assert col.get_objects(id=[objects[2]["id"], objects[5]["id"]])["objects"] == [objects[2], objects[5]]
    assert len(col.get_objects(spec_version="2.1")["objects"]) == 27
    assert "objects" not in col.get_objects(spec_version="2.0")

    response = requests.get(f"{col.url}objects/", params={"limit": 5}, auth=("be-hub", PASSWORDS["be-hub"]),
                            headers={"Accept": "application/taxii+json;version=2.1"}, timeout=10)
    first, last = response.headers["X-TAXII-Date-Added-First"], response.headers["X-TAXII-Date-Added-Last"]
    assert first < last and response.headers["Content-Type"] == "application/taxii+json;version=2.1"
    later = col.get_objects(added_after=last)["objects"]
    assert [o["id"] for o in later] == [o["id"] for o in objects[5:]]


def test_versions_object_by_id_manifest_and_delete(hub):
    col = Collection(hub.collection_url("hub"), user="be-hub", password=PASSWORDS["be-hub"])
    versions = [indicator(1, modified=f"2024-0{m}-01T00:00:00.000Z") for m in (1, 2, 3)]
    col.add_objects({"objects": versions + [indicator(2)]})
    oid = versions[0]["id"]
    assert col.get_object(oid)["objects"] == [versions[2]]
    assert col.get_object(oid, version="first")["objects"] == [versions[0]]
    assert col.get_object(oid, version="all")["objects"] == versions
    assert col.get_object(oid, version="2024-02-01T00:00:00.000Z")["objects"] == [versions[1]]
    assert col.object_versions(oid)["versions"] == [f"2024-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3)]
    manifest = col.get_manifest()["objects"]
    assert [(m["id"], m["version"][:10]) for m in manifest] == [(oid, "2024-03-01"), (indicator(2)["id"], "2024-01-01")]
    assert all(m["media_type"] == "application/stix+json;version=2.1" and m["date_added"] for m in manifest)
    assert len(col.get_manifest(version="all")["objects"]) == 4
    col.delete_object(oid, version="2024-03-01T00:00:00.000Z")
    assert col.get_object(oid)["objects"] == [versions[1]]
    col.delete_object(oid)
    with pytest.raises(requests.HTTPError) as gone:
        col.get_object(oid)
    assert gone.value.response.status_code == 404


def test_what_one_hub_publishes_another_pulls_unchanged(hub, tmp_path):
    from cybershield.exchange import Exchange, PeerLink
    from cybershield.intel import IntelStore, SharingPolicy

    published = [indicator(n, x_source_score=n) for n in range(1100)] + [malware(1)]
    published.append(relationship(1, published[0]["id"], published[-1]["id"]))
    hub.store.add(published)
    other = IntelStore.open(f"sqlite:///{tmp_path / 'hub-b.db'}")
    exchange = Exchange(other, SharingPolicy("be-hub"))
    link = PeerLink("de-hub", pull=(hub.collection_url("hub"),), username="be-hub", password=PASSWORDS["be-hub"])
    first = exchange.pull(link, link.pull[0])
    assert (first.error, first.objects, first.counts) == (None, 1102, {"stored": 1102})
    assert [other.get(o["id"]) for o in published] == published
    assert {o.origin for o in other.latest()} == {"de-hub"}
    again = exchange.pull(link, link.pull[0])  # the bookmark: nothing new
    assert (again.error, again.objects) == (None, 0)
    hub.store.add([indicator(9999)])
    assert exchange.pull(link, link.pull[0]).counts == {"stored": 1}
