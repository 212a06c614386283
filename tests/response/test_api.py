"""``/api/v1/incidents`` on a hub under uvicorn: open, list, show, update, clock, report, submit; rights and errors."""

from __future__ import annotations

import httpx
import pytest

from cybershield.exchange import background_server, hash_secret
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.web import create_app
from tests.hub.conftest import PASSWORD, hub_document, hub_settings


@pytest.fixture
def api(tmp_path, db_url):
    secret = hash_secret(PASSWORD, iterations=1000)
    document = hub_document(accounts={"analyst": {"secret": secret, "rights": ["incidents"]},
                                      "feeder": {"secret": secret, "rights": ["ingest"]}})
    document["hub"]["timezone"] = "Europe/Brussels"
    service = HubService(HubContext.open(hub_settings(tmp_path, db_url), parse_hub_config(document)))
    try:
        with background_server(create_app(service)) as url:
            yield url
    finally:
        service.close()


def client(url: str, account: str = "analyst") -> httpx.Client:
    return httpx.Client(base_url=url, auth=(account, PASSWORD), timeout=30)


def test_incident_operations_over_json(api):
    with client(api) as http:
        opened = http.post("/api/v1/incidents", json={"title": "DDoS on the grid", "aware_at": "2027-01-31T10:00:00",
                                                      "entity_type": "essential", "sector": "energy"})
        assert opened.status_code == 201, opened.text
        iid = opened.json()["id"]
        assert opened.json()["aware_at"] == "2027-01-31T09:00:00Z"  # no offset: the hub's time zone
        updated = http.patch(f"/api/v1/incidents/{iid}", json={"status": "triage", "observable": ["ipv4-addr=198.51.100.7"],
                                                                "suspected_malicious": True})
        assert updated.json()["status"] == "triage" and updated.json()["observables"][0]["value"] == "198.51.100.7"
        assert [i["id"] for i in http.get("/api/v1/incidents").json()["incidents"]] == [iid]
        submitted = http.post(f"/api/v1/incidents/{iid}/submissions",
                              json={"report": "notification", "at": "2027-01-31T12:00:00Z"})
        assert submitted.status_code == 201
        clock = http.get(f"/api/v1/incidents/{iid}/clock").json()
        assert clock["deadlines"]["final_report"] == "2027-02-28T12:00:00Z"
        assert http.get(f"/api/v1/incidents/{iid}").json()["clock"]["submitted"]["notification"] == "2027-01-31T12:00:00Z"
        stix = http.get(f"/api/v1/incidents/{iid}/report", params={"kind": "notification", "format": "stix"})
        assert stix.headers["content-type"].startswith("application/stix+json")
        assert any(o["type"] == "incident" for o in stix.json()["objects"])
        page = http.get(f"/api/v1/incidents/{iid}/report", params={"kind": "early-warning", "format": "html"})
        assert "Early warning" in page.text
        assert http.patch(f"/api/v1/incidents/{iid}", json={"status": "closed"}).status_code == 200
        refused = http.patch(f"/api/v1/incidents/{iid}", json={"status": "eradicated"})
        assert refused.status_code == 409 and "cannot move" in refused.json()["detail"]


@pytest.mark.parametrize("method, path, body, status, reason", [
    ("post", "/api/v1/incidents", {"title": "x"}, 400, "required"),
    ("post", "/api/v1/incidents", {"title": "x", "aware_at": "soon", "entity_type": "essential"}, 400, "ISO 8601"),
    ("get", "/api/v1/incidents/INC-NONE", None, 404, "no incident"),
    ("patch", "/api/v1/incidents/INC-NONE", {"colour": "red"}, 400, "unknown field"),
    ("get", "/api/v1/incidents/INC-NONE/report?kind=final&format=pdf", None, 400, "unknown format"),
])
def test_bad_requests_get_a_reason(api, method, path, body, status, reason):
    with client(api) as http:
        answer = http.request(method, path, json=body)
    assert answer.status_code == status and reason in answer.json()["detail"]


def test_the_incidents_right_is_needed(api):
    with client(api, "feeder") as http:
        assert http.get("/api/v1/incidents").status_code == 403
    assert httpx.get(f"{api}/api/v1/incidents").status_code == 401
