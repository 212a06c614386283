"""The dashboard's page and JSON endpoints over HTTP (uvicorn on 127.0.0.1): who may read it, the network with
live state, the alert stream and its filters, an alert opened to its events and its rule, warnings, incidents
and the campaign per country."""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from cybershield.hub import ConfigError, parse_hub_config
from cybershield.network import Agreement, Observable, build_warning
from cybershield.storage import network_state

from ..hub.conftest import PASSWORD, warning_bundle
from .conftest import dashboard_hub, start_hub

C2 = "203.0.113.77"


def wait_for(fetch, want, seconds: float = 30):
    """``fetch()`` once ``want`` holds for it (detection runs behind the ingest answer); fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = fetch()
        if want(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r}"
        time.sleep(0.05)


def ingest(hub, body: bytes) -> None:
    with hub.client("feeder") as client:
        client.post("/api/v1/ingest", content=body).raise_for_status()


def test_root_redirects_and_the_page_loads_its_assets_from_the_hub_only(network):
    de, _ = network
    with de.client(None) as client:
        first = client.get("/", follow_redirects=False)
        assert first.status_code == 307 and first.headers["location"] == "/dashboard/"
        page = client.get("/", follow_redirects=True)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "de-hub" in html and 'id="alert-rows"' in html and "<dialog" in html
        assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
        assert assets and all(a.startswith("/dashboard/") for a in assets), assets  # nothing from elsewhere
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        assert client.get("/taxii2/").status_code in (200, 401, 406)  # TAXII still mounted at "/"


def test_open_on_loopback_by_default_else_the_right_alerts(tmp_path, db_url):
    with ExitStack() as stack:
        closed = start_hub(stack, tmp_path, db_url, dashboard_hub(dashboard={"open_on_loopback": False}))
        for path in ("/dashboard/", "/dashboard/api/alerts", "/dashboard/api/network"):
            assert httpx.get(closed.url + path, timeout=30).status_code == 401
            assert httpx.get(closed.url + path, auth=("feeder", PASSWORD), timeout=30).status_code == 403
            assert httpx.get(closed.url + path, auth=("analyst", "wrong"), timeout=30).status_code == 401
            assert httpx.get(closed.url + path, auth=("analyst", PASSWORD), timeout=30).status_code == 200
        signed = httpx.get(closed.url + "/dashboard/", auth=("analyst", PASSWORD), timeout=30).text
        assert "signed in as analyst" in signed


@pytest.mark.parametrize(("section", "problem"), [({"open_on_loopback": "yes"}, "true or false"),
                                                   ({"open": True}, "unknown key")])
def test_bad_dashboard_configuration_is_refused(section, problem):
    with pytest.raises(ConfigError, match=problem):
        parse_hub_config({"dashboard": section})
    assert parse_hub_config({}).dashboard.open_on_loopback is True


def test_the_network_shows_each_hub_with_its_live_state(network, sysmon_body):
    de, fr = network
    ingest(fr, sysmon_body)
    with de.client(None) as client:
        state = wait_for(lambda: client.get("/dashboard/api/network").raise_for_status().json(),
                         lambda s: (next(h for h in s["hubs"] if h["name"] == "fr-hub")["health"] or {})
                         .get("counters", {}).get("events", 0) > 0)
    hubs = {h["name"]: h for h in state["hubs"]}
    assert set(hubs) == {"de-hub", "fr-hub", "nl-hub", "eu-xb"} and hubs["de-hub"]["self"]
    assert hubs["fr-hub"]["health"]["hub"] == "fr-hub" and hubs["fr-hub"]["error"] is None
    assert hubs["fr-hub"]["health"]["counters"]["events"] == len(sysmon_body.splitlines())
    assert hubs["de-hub"]["health"]["counters"]["events"] == 0  # each hub's own counters
    for down in ("nl-hub", "eu-xb"):
        assert hubs[down]["health"] is None and hubs[down]["error"].startswith("unreachable")
    assert hubs["eu-xb"]["members"] == ["de-hub", "fr-hub", "nl-hub"]
    assert sorted((link["from"], link["to"], link["up"]) for link in state["links"]) == [
        ("de-hub", "eu-xb", False), ("fr-hub", "eu-xb", False), ("nl-hub", "eu-xb", False)]


def test_a_hub_on_its_own_is_a_network_of_one(tmp_path, db_url):
    with ExitStack() as stack:
        alone = start_hub(stack, tmp_path, db_url, dashboard_hub())
        state = httpx.get(alone.url + "/dashboard/api/network", timeout=30).raise_for_status().json()
    assert state["network_file"] is None and state["links"] == []
    assert [(h["name"], h["self"], h["health"]["hub"]) for h in state["hubs"]] == [("de-hub", True, "de-hub")]


def test_alert_stream_filters_and_an_alert_opens_to_its_events_and_rule(network, sysmon_body):
    de, _ = network
    ingest(de, sysmon_body)
    with de.client(None) as client:
        def rows(**params):
            return client.get("/dashboard/api/alerts", params=params).raise_for_status().json()

        every = wait_for(rows, lambda r: len(r) >= 3)
        created = [r["created"] for r in every]
        assert created == sorted(created, reverse=True)  # newest first
        assert {r["kind"] for r in every} == {"sigma"}
        assert rows(kind="indicator") == []
        high = rows(level="high")
        assert high and all(r["level"] in ("high", "critical") for r in high)
        assert len(high) < len(every) or all(r["level"] in ("high", "critical") for r in every)
        encoded = rows(q="ENCODED command")
        assert encoded and all("encoded command" in r["title"].lower() for r in encoded)
        assert rows(q="no such thing anywhere") == []
        assert rows(since=datetime.now(UTC).isoformat()) == []
        assert len(rows(limit=1)) == 1
        assert client.get("/dashboard/api/alerts", params={"level": "severe"}).status_code == 400
        assert client.get("/dashboard/api/alerts", params={"since": "soon"}).status_code == 400

        wanted = encoded[0]
        assert de.service.bus.drain(30)  # archived behind detection
        detail = client.get(f"/dashboard/api/alerts/{wanted['id']}").raise_for_status().json()
        assert client.get("/dashboard/api/alerts/no-such-alert").status_code == 404
    assert detail["alert"]["alert"]["id"] == wanted["id"]
    matched = detail["alert"]["event"]["matched"]
    assert detail["events_expected"] == len(matched) == len(detail["events"]) >= 1
    fields = [dict(pairs) for pairs in detail["events"]]
    assert [(f["event.provenance.source"], f["event.provenance.record_id"]) for f in fields] == \
        [(m["source"], m["record_id"]) for m in matched]
    assert "-enc" in fields[0]["process.command_line"].lower()
    assert list(detail["events"][0][0]) == ["@timestamp", fields[0]["@timestamp"]]  # key fields first
    rule = detail["explanation"]["rule"]
    assert rule["id"] == wanted["rule_id"] and rule["title"] == wanted["title"]
    assert rule["file"].endswith(".yml") and f"id: {wanted['rule_id']}" in rule["yaml"]


def test_an_archived_event_that_is_gone_is_left_out(network, sysmon_body):
    de, _ = network
    ingest(de, sysmon_body)
    assert de.service.bus.drain(30)
    archive = de.service.context.archive
    first = archive.find([("nowhere", 1)])
    assert first == []
    row = next(iter(archive.read())).slice(0, 1).to_pylist()[0]
    key = (row["event.provenance.source"], row["event.provenance.record_id"])
    found = archive.find([("nowhere", 1), key, key])
    assert [(f["event.provenance.source"], f["event.provenance.record_id"]) for f in found] == [key]


def test_warnings_and_the_campaign_across_countries(network, sysmon_body):
    de, fr = network
    ingest(de, sysmon_body)
    ingest(fr, sysmon_body)
    bundle = warning_bundle(C2)
    report = bundle["objects"][1]
    report["x_cybershield_warning"] = {"observable": f"ipv4-addr:{C2}", "techniques": ["T1071"], "sightings": {
        "FR": {"count": 3, "first_seen": "2026-12-01T08:00:00.000Z", "last_seen": "2026-12-01T08:10:00.000Z"},
        "PL": {"count": 1, "first_seen": "2026-12-01T08:05:00.000Z", "last_seen": "2026-12-01T08:05:00.000Z"}}}
    with de.client("ops") as client:
        client.post("/api/v1/warnings", content=orjson.dumps(bundle)).raise_for_status()
    with de.client(None) as client:
        (warning,) = client.get("/dashboard/api/warnings").raise_for_status().json()
        assert (warning["id"], warning["sender"], warning["countries"]) == (report["id"], "ops", ["FR", "PL"])
        assert warning["observable"] == f"ipv4-addr:{C2}" and warning["indicators"] == 1
        campaign = wait_for(lambda: client.get("/dashboard/api/campaign").raise_for_status().json(),
                            lambda c: c["countries"].get("DE") and c["countries"].get("FR"))
    assert set(campaign["countries"]) == {"DE", "FR", "PL"}  # PL: known from the warning's sightings only
    assert campaign["countries"]["PL"] == []
    for country in ("DE", "FR"):
        minutes = campaign["countries"][country]
        assert sum(count for _, count, _ in minutes) >= 3 and all(level in ("low", "medium", "high", "critical")
                                                                   for _, _, level in minutes)
    assert [w["id"] for w in campaign["warnings"]] == [report["id"]]
    assert {m["name"] for m in campaign["missing"]} == {"nl-hub", "eu-xb"}


def test_incidents_with_their_nis2_clocks(network):
    de, _ = network
    aware = datetime.now(UTC) - timedelta(hours=30)
    with de.client(None) as client:
        assert client.get("/dashboard/api/incidents").raise_for_status().json() == {"incidents": []}
    with de.client("ops") as client:
        opened = client.post("/api/v1/incidents", json={"title": "Ransomware at a hospital", "entity_type": "essential",
                                                        "aware_at": aware.isoformat(), "sector": "health"})
        opened.raise_for_status()
    with de.client(None) as client:
        (incident,) = client.get("/dashboard/api/incidents").raise_for_status().json()["incidents"]
    assert (incident["id"], incident["title"]) == (opened.json()["id"], "Ransomware at a hospital")
    clock = incident["clock"]
    assert clock["state"]["early_warning"] == "overdue" and clock["state"]["notification"] in ("pending", "due-soon")
    assert clock["overdue"] == ["early_warning"]


def test_a_cross_border_hub_lists_the_warnings_it_issued(tmp_path, db_url):
    members = ("de-hub", "fr-hub", "nl-hub")
    now = datetime.now(UTC)
    seen = [{"country": c, "count": n, "first_seen": now, "last_seen": now} for c, n in (("DE", 2), ("FR", 1))]
    warning = build_warning("eu-xb", Observable("ipv4-addr", C2), seen, [], Agreement.from_dict({"members": members}))
    with ExitStack() as stack:
        xb = start_hub(stack, tmp_path, db_url, dashboard_hub(hub={"name": "eu-xb", "country": "EU",
                                                                   "role": "cross-border"}))
        network_state.save_warning(xb.service.context.sessions, {
            "id": warning.report_id, "observable": f"ipv4-addr={C2}", "countries": warning.countries,
            "created": warning.created, "modified": warning.modified, "escalated": False, "document": warning.bundle})
        (row,) = httpx.get(xb.url + "/dashboard/api/warnings", timeout=30).raise_for_status().json()
    assert (row["id"], row["issued"], row["sender"], row["countries"]) == (warning.report_id, True, "eu-xb", ["DE", "FR"])
    assert row["indicators"] == 1 and row["tlp"] == "AMBER" and C2 in row["name"]
