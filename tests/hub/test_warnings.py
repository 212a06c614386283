"""Acting on an early warning: indicators into detection at once, retro-hunt, applied once, listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import orjson
import pytest

from cybershield.hub import BadWarning

from .conftest import warning_bundle, zeek_conn

C2 = "203.0.113.201"
REPORT = "report--6b8e7c1e-1d52-4b0a-9a44-3f7a1c0e5b21"


def test_a_warning_goes_into_detection_and_retro_hunts_the_archive(hub):
    now = datetime.now(UTC)
    past = zeek_conn([(now - timedelta(days=2), C2), (now - timedelta(days=2), "198.51.100.3"),
                      (now - timedelta(days=45), C2)])
    with hub.client("feeder") as client:
        assert client.post("/api/v1/ingest", content=past).raise_for_status().json()["parsed"] == 3
    assert hub.service.bus.drain(30)
    assert hub.poll_alerts(want=lambda a: True) == []  # nothing known about C2 yet

    with hub.client("ops") as client:
        applied = client.post("/api/v1/warnings", content=orjson.dumps(warning_bundle(C2))).raise_for_status().json()
    assert (applied["id"], applied["new"], applied["indicators"], applied["retro_hunt_alerts"]) == (REPORT, True, 1, 1)
    (retro,) = hub.poll_alerts(kind="retro-hunt")
    assert retro["context"]["warning"] == REPORT and retro["context"]["matched"]["value"] == C2
    assert retro["@timestamp"].startswith((now - timedelta(days=2)).date().isoformat())

    # live detection has the indicator now
    with hub.client("feeder") as client:
        client.post("/api/v1/ingest", content=zeek_conn([(now, C2)])).raise_for_status()
    (live,) = hub.poll_alerts(kind="indicator")
    assert live["context"]["matched"]["value"] == C2

    # the same warning again changes nothing
    with hub.client("ops") as client:
        again = client.post("/api/v1/warnings", content=orjson.dumps(warning_bundle(C2))).json()
        assert again["new"] is False
        listed = client.get("/api/v1/warnings").json()
        assert client.get("/api/v1/warnings", params={"since": listed[0]["received"]}).json() == []
        health = client.get("/api/v1/health").json()
    assert [(w["id"], w["sender"], w["retro_hunt_alerts"]) for w in listed] == [(REPORT, "ops", 1)]
    assert listed[0]["report"]["name"] == "Early warning: C2 in DE and FR"
    assert health["counters"]["warnings"] == 1
    assert len(hub.poll_alerts(kind="retro-hunt")) == 1


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"type": "bundle", "objects": []}',
                                  orjson.dumps({"type": "indicator", "id": "indicator--x"})])
def test_what_is_not_a_warning_is_refused(hub, body):
    with hub.client("ops") as client:
        response = client.post("/api/v1/warnings", content=body)
    assert response.status_code == 400, response.text
    with hub.client("analyst") as client:  # reading warnings is not applying them
        assert client.post("/api/v1/warnings", content=orjson.dumps(warning_bundle(C2))).status_code == 403


def test_apply_warning_in_process_with_indicators_already_in_the_store(hub):
    bundle = warning_bundle(C2)
    indicator, report = bundle["objects"]
    hub.service.context.store.add([indicator], origin="fr-hub")
    applied = hub.service.apply_warning(report, sender="cb-hub")
    assert (applied.new, applied.indicators) == (True, 1)
    with pytest.raises(BadWarning):
        hub.service.apply_warning({"type": "bundle", "objects": [report, report]})


def test_a_warning_published_on_the_bus_is_applied(hub):
    from cybershield.hub import WARNINGS, WarningMessage

    hub.service.bus.publish(WARNINGS, WarningMessage({"type": "bundle", "objects": []}, "cb-hub"))  # refused, counted
    hub.service.bus.publish(WARNINGS, WarningMessage(warning_bundle(C2), "cb-hub"))
    assert hub.service.bus.drain(30)
    with hub.client("analyst") as client:
        (listed,) = client.get("/api/v1/warnings").json()
    assert (listed["id"], listed["sender"]) == (REPORT, "cb-hub")
    assert hub.service.context.counters.snapshot()["warnings_refused"] == 1


def test_indicators_that_reach_the_store_otherwise_are_picked_up_while_running(hub):
    """A TAXII push or sync adds to the store: the running hub's detection reloads without a restart."""
    indicator, _ = warning_bundle("203.0.113.202")["objects"]
    hub.service.context.store.add([indicator], origin="fr-hub")
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    found: list = []
    while not found and datetime.now(UTC) < deadline:
        with hub.client("feeder") as client:  # each body is new (its time), so each raises its own alert
            client.post("/api/v1/ingest", content=zeek_conn([(datetime.now(UTC), "203.0.113.202")])).raise_for_status()
        found = hub.poll_alerts(kind="indicator", want=lambda a: True)
    assert found and found[0]["context"]["matched"]["value"] == "203.0.113.202"
    assert hub.service.reload_indicators() is False  # nothing changed since


def test_a_retro_hunt_that_fails_leaves_the_warning_unapplied_for_the_retry(hub):
    """The warning is listed before its retro-hunt runs; when the retro-hunt fails (an unreadable archive file),
    the record goes again, so that the sender's retry applies the warning in full."""
    now = datetime.now(UTC)
    with hub.client("feeder") as client:
        client.post("/api/v1/ingest", content=zeek_conn([(now - timedelta(days=1), C2)])).raise_for_status()
    assert hub.service.bus.drain(30)
    archive = hub.service.context.archive
    damaged = archive.files()[0].parent / "part-damaged.parquet"
    damaged.write_bytes(b"PAR1 this is not a Parquet file")
    with pytest.raises((duckdb.Error, OSError)):  # DuckDB finds it planning, or Arrow while streaming
        hub.service.apply_warning(warning_bundle(C2), sender="cb-hub")
    with hub.client("analyst") as client:
        assert client.get("/api/v1/warnings").json() == []
    assert "warnings" not in hub.service.context.counters.snapshot()

    damaged.unlink()  # the operator repairs the archive; the sender's outbox tries again
    applied = hub.service.apply_warning(warning_bundle(C2), sender="cb-hub")
    assert (applied.new, applied.retro_hunt_alerts) == (True, 1)
    with hub.client("analyst") as client:
        (listed,) = client.get("/api/v1/warnings").json()
    assert (listed["id"], listed["retro_hunt_alerts"]) == (REPORT, 1)
    (retro,) = hub.poll_alerts(kind="retro-hunt")
    assert retro["context"]["warning"] == REPORT
