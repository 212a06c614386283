"""The hub service over HTTP: ingest of every kind of body, alerts shortly after, accounts and rights, health."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cybershield.exercise import write_sample_telemetry
from cybershield.hub import PortInUse, bind

from .conftest import zeek_conn


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("telemetry")
    write_sample_telemetry(folder)
    return folder


def sysmon(telemetry) -> bytes:
    return next((telemetry / "windows").iterdir()).read_bytes()


def test_health_needs_no_login_and_names_the_hub(hub):
    with hub.client(None) as client:
        health = client.get("/api/v1/health").raise_for_status().json()
    assert (health["hub"], health["country"], health["role"]) == ("de-hub", "DE", "national")
    assert health["uptime_s"] >= 0
    assert set(health["queues"]) == {"detect", "archive", "store-alerts", "apply-warnings"}
    for counter in ("events", "alerts", "envelopes_sent", "envelopes_received", "envelopes_rejected", "warnings"):
        assert health["counters"][counter] == 0
    assert health["counters"]["envelopes_rejected_by_reason"] == {}


def test_ingest_answers_the_summary_and_the_alerts_follow(hub, telemetry):
    body = sysmon(telemetry)
    with hub.client("feeder") as client:
        summary = client.post("/api/v1/ingest", content=body).raise_for_status().json()
    lines = len(body.splitlines())
    assert (summary["read"], summary["parsed"], summary["quarantined"]) == (lines, lines, 0)
    assert set(summary["by_format"]) == {"evtx-json"} and summary["by_reason"] == {}
    alerts = hub.poll_alerts("analyst", want=lambda a: len(a) >= 3)
    titles = {a["rule"]["title"] for a in alerts}
    assert {"Office Application Spawns PowerShell", "PowerShell With an Encoded Command",
            "System Binary Name Written Under a User Profile"} <= titles
    first = alerts[0]
    assert {"@timestamp", "alert", "rule", "event", "threat", "context"} <= set(first)  # the alerts.jsonl fields
    assert first["event"]["provenance"]["source"].split("/")[-1].startswith("feeder-")
    created = [a["alert"]["created"] for a in alerts]
    assert created == sorted(created)  # newest last
    with hub.client("analyst") as client:
        assert client.get("/api/v1/alerts", params={"kind": "indicator"}).json() == []
        assert len(client.get("/api/v1/alerts", params={"limit": 1}).json()) == 1
        later = client.get("/api/v1/alerts", params={"since": created[0]}).json()
        assert [a["alert"]["created"] for a in later] == created[1:]
        assert client.get("/api/v1/alerts", params={"since": "yesterday"}).status_code == 400
        assert client.get("/api/v1/alerts", params={"limit": 0}).status_code == 422
    # the same body again raises the same alerts, which are not stored twice
    with hub.client("feeder") as client:
        client.post("/api/v1/ingest", content=body).raise_for_status()
    assert hub.service.bus.drain(30)
    assert len(hub.poll_alerts("analyst")) == len(alerts)


def test_gzip_and_format_option(hub, telemetry):
    conn = next((telemetry / "zeek").glob("conn*")).read_bytes()
    with hub.client("feeder") as client:
        plain = client.post("/api/v1/ingest", content=conn).json()
        packed = client.post("/api/v1/ingest", content=gzip.compress(conn)).json()
        forced = client.post("/api/v1/ingest", params={"format": "zeek-json"}, content=conn).json()
        unknown = client.post("/api/v1/ingest", params={"format": "word-doc"}, content=conn)
    assert plain["parsed"] == packed["parsed"] == forced["parsed"] == len(conn.splitlines()) > 0
    assert unknown.status_code == 400 and "word-doc" in unknown.json()["detail"]


def test_bad_bodies_are_quarantined_or_refused_and_the_hub_goes_on(hub, telemetry):
    good = zeek_conn([(datetime.now(UTC) - timedelta(minutes=5), "198.51.100.9")] * 3)
    with hub.client("feeder") as client:
        garbage = client.post("/api/v1/ingest", content=b"\x00\x01\x02 not a log at all" * 50).json()
        broken = client.post("/api/v1/ingest", content=good + b"{broken json\n" + good).json()
        cut = client.post("/api/v1/ingest", content=gzip.compress(good * 200)[:-40]).json()
        empty = client.post("/api/v1/ingest", content=b"")
        big = client.post("/api/v1/ingest", content=b"x" * 2_000_001)
        streamed = client.post("/api/v1/ingest", content=iter([b"x" * 1_000_000] * 3))  # chunked, no length
    assert garbage["by_reason"] == {"unknown-format": 1} and garbage["parsed"] == 0
    assert (broken["parsed"], broken["by_reason"]) == (6, {"invalid-json": 1})
    assert cut["by_reason"].get("truncated") == 1 and cut["parsed"] > 0
    assert empty.status_code == 400
    assert big.status_code == 413 and streamed.status_code == 413
    assert list((hub.service.spool).iterdir()) == []  # nothing left behind
    with hub.client(None) as client:
        health = client.get("/api/v1/health").json()
    assert health["counters"]["quarantined"] == 1 + 1 + 1
    assert health["counters"]["ingest_requests"] == 3


@pytest.mark.parametrize(("account", "password", "path", "status"), [
    (None, None, "/api/v1/alerts", 401),
    ("analyst", "wrong", "/api/v1/alerts", 401),
    ("mallory", "pw", "/api/v1/alerts", 401),
    ("feeder", "pw", "/api/v1/alerts", 403),
    ("feeder", "pw", "/api/v1/warnings", 403),
    ("nobody", "pw", "/api/v1/warnings", 403),
    ("analyst", "pw", "/api/v1/warnings", 200),
    ("ops", "pw", "/api/v1/alerts", 200),
])
def test_reads_need_an_account_with_the_right(hub, account, password, path, status):
    auth = (account, password) if account else None
    response = httpx.get(hub.url + path, auth=auth, timeout=30)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(("account", "password", "status"), [
    (None, None, 401), ("feeder", "nope", 401), ("analyst", "pw", 403), ("nobody", "pw", 403)])
def test_ingest_needs_the_ingest_right(hub, account, password, status):
    auth = (account, password) if account else None
    response = httpx.post(hub.url + "/api/v1/ingest", content=b"{}\n", auth=auth, timeout=30)
    assert response.status_code == status
    assert hub.service.context.counters.snapshot().get("ingest_requests", 0) == 0


def test_taxii_is_served_on_the_same_port(hub):
    with hub.client("ops") as client:
        response = client.get("/taxii2/", headers={"Accept": "application/taxii+json;version=2.1"})
    assert response.status_code == 200 and "de-hub" in response.json()["description"]


def test_evtx_body(hub, shared_data):
    body = (shared_data / "evtx-attack-samples" / "UACME_59_Sysmon.evtx").read_bytes()
    with hub.client("feeder") as client:
        summary = client.post("/api/v1/ingest", content=body).raise_for_status().json()
        packed = client.post("/api/v1/ingest", content=gzip.compress(body)).raise_for_status().json()
    assert set(summary["by_format"]) == {"evtx"} and summary["parsed"] > 0
    assert packed["parsed"] == summary["parsed"]


def test_a_busy_port_fails_before_anything_starts(tmp_path):
    taken = bind("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port} is in use"):
            bind("127.0.0.1", port)
        env = {"CYBERSHIELD_VAR": str(tmp_path / "var"), "CYBERSHIELD_DATA": str(tmp_path / "absent"),
               "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([sys.executable, "-m", "cybershield", "hub", "serve", "--port", str(port)], env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        taken.close()
    assert proc.returncode == 2
    assert "is in use" in " ".join(proc.stderr.split())
    assert not (tmp_path / "var").exists()  # it stopped before opening the database


def test_a_bad_configuration_is_one_clear_error(tmp_path):
    (tmp_path / "hub.yaml").write_text("hub: {country: Atlantis}\n")
    env = {"CYBERSHIELD_VAR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "cybershield", "hub", "serve", "--config", str(tmp_path / "hub.yaml")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "hub.country" in proc.stderr and "Traceback" not in proc.stderr


def test_port_zero_is_a_free_port():
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockname()[1] > 0 and sock.type == socket.SOCK_STREAM
    finally:
        sock.close()


def test_unfinished_uploads_are_cleared_at_start(tmp_path):
    from cybershield.hub import HubContext, HubService, parse_hub_config

    from .conftest import hub_document, hub_settings

    settings = hub_settings(tmp_path, f"sqlite:///{tmp_path / 'hub.db'}")
    (settings.var_dir / "spool").mkdir(parents=True)
    (settings.var_dir / "spool" / "feeder-abc").write_bytes(b"half a body")
    service = HubService(HubContext.open(settings, parse_hub_config(hub_document())))
    try:
        assert list((settings.var_dir / "spool").iterdir()) == []
    finally:
        service.close()
