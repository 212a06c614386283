"""Hostile and malformed requests get the TAXII error they deserve, with a TAXII error body."""

from __future__ import annotations

import base64

import httpx
import orjson
import pytest

from ..intel.factory import indicator
from .conftest import PASSWORDS

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def call(hub):
    def request(method: str, path: str, *, account: str | None = "be-hub", password: str | None = None,
                accept: str = TAXII, content_type: str = TAXII, body: bytes | None = None, headers=None, params=None):
        sent = {"Accept": accept, **(headers or {})}
        if account:
            sent["Authorization"] = "Basic " + base64.b64encode(
                f"{account}:{password or PASSWORDS.get(account, 'x')}".encode()).decode()
        if body is not None:
            sent["Content-Type"] = content_type
        url = path if path.startswith("http") else f"{hub.url}{path}"
        return httpx.request(method, url, headers=sent, content=body, params=params, timeout=10)
    return request


def error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == TAXII
    body = orjson.loads(response.content)
    assert body["http_status"] == str(status) and body["title"]
    return body


def envelope(*objects) -> bytes:
    return orjson.dumps({"objects": list(objects)})


def test_credentials(hub, call):
    assert call("GET", "/taxii2/").status_code == 200
    assert "Basic" in error(call("GET", "/taxii2/", account=None), 401)["description"]
    assert call("GET", "/taxii2/", account=None).headers["www-authenticate"].startswith("Basic")
    error(call("GET", "/taxii2/", account="mallory"), 401)
    error(call("GET", "/taxii2/", account="be-hub", password="wrong"), 401)
    error(call("GET", "/api1/", headers={"Authorization": "Basic !!notbase64"}, account=None), 401)


def test_media_types(hub, call):
    error(call("GET", "/api1/", accept="application/json"), 406)
    error(call("GET", "/api1/", accept="application/taxii+json;version=2.0"), 406)
    assert call("GET", "/api1/", accept="application/taxii+json").status_code == 200
    url = hub.collection_url("hub") + "objects/"
    error(call("POST", url, body=envelope(indicator(1)), content_type="application/json"), 415)
    error(call("POST", url, body=envelope(indicator(1)), content_type="application/taxii+json;version=2.0"), 415)


def test_sizes_and_hostile_bodies(hub, call):
    url = hub.collection_url("hub") + "objects/"
    too_big = envelope(*[indicator(n) for n in range(800)])
    assert len(too_big) > 200_000
    assert "limit" in error(call("POST", url, body=too_big), 413)["description"]
    chunked = httpx.post(url, content=iter([too_big[i:i + 65536] for i in range(0, len(too_big), 65536)]),
                         headers={"Accept": TAXII, "Content-Type": TAXII}, auth=("be-hub", PASSWORDS["be-hub"]))
    assert "content-length" not in chunked.request.headers
    error(chunked, 413)
    error(call("POST", url, body=b"{not json"), 400)
    error(call("POST", url, body=b"[" * 5000 + b"]" * 5000), 400)
    error(call("POST", url, body=b'{"objects": "all of them"}'), 400)
    error(call("POST", url, body=b'[1, 2, 3]'), 400)
    hostile = [{"type": "indicator", "id": "indicator--00000000-0000-0000-0000-000000000000", "spec_version": "2.1",
                "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                "valid_from": "2024-01-01T00:00:00.000Z", "pattern_type": "stix",
                "pattern": "[file:name = '" + "A" * 1000 + "' OR " * 200 + "x]"},
               {"type": "relationship", "id": "relationship--1"}, {"id": 5, "type": ["x"]}, None, "x" * 1000,
               {"type": "bundle", "id": "bundle--6a9b3d4c-2c3d-4c8e-9a4b-1d2e3f4a5b6c", "objects": []},
               {**indicator(1), "created_by_ref": {"$ne": None}}]
    response = call("POST", url, body=envelope(*hostile, indicator(2)))
    assert response.status_code == 202
    status = orjson.loads(response.content)
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (8, 1, 7)
    assert all(f["message"] for f in status["failures"])
    assert hub.store.count() == 1


def test_unknown_things_and_rights(hub, call):
    error(call("GET", "/api1/collections/00000000-0000-0000-0000-000000000000/objects/"), 404)
    error(call("GET", f"/api1/collections/{hub.collection_id('internal')}/"), 404)  # not visible to be-hub
    error(call("GET", "/api2/"), 404)
    error(call("GET", "/api1/status/no-such-status/"), 404)
    fr_reads_inbox = call("GET", hub.collection_url("inbox") + "objects/", account="fr-hub")
    error(fr_reads_inbox, 403)
    error(call("POST", hub.collection_url("hub") + "objects/", account="fr-hub", body=envelope(indicator(1))), 403)
    error(call("DELETE", hub.collection_url("hub") + f"objects/{indicator(1)['id']}/", account="fr-hub"), 403)
    error(call("DELETE", hub.collection_url("hub") + f"objects/{indicator(1)['id']}/"), 404)
    error(call("GET", hub.collection_url("hub") + f"objects/{indicator(1)['id']}/"), 404)


def test_bad_query_parameters(hub, call):
    url = hub.collection_url("hub") + "objects/"
    assert "cursor" in error(call("GET", url, params={"next": "garbage"}), 400)["description"]
    error(call("GET", url, params={"added_after": "last tuesday"}), 400)
    error(call("GET", url, params={"limit": "-3"}), 400)
    error(call("GET", url, params={"limit": "many"}), 400)
    error(call("GET", url, params={"match[version]": "2024-13-45T00:00:00Z"}), 400)


def test_status_belongs_to_its_poster(hub, call):
    response = call("POST", hub.collection_url("inbox") + "objects/", account="fr-hub", body=envelope(indicator(1)))
    status_id = orjson.loads(response.content)["id"]
    assert call("GET", f"/api1/status/{status_id}/", account="fr-hub").status_code == 200
    error(call("GET", f"/api1/status/{status_id}/", account="be-hub"), 404)
    assert hub.store.page("inbox").objects[0].origin == "fr-hub"
