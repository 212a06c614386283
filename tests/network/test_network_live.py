"""A real network on this machine: 4 national hubs and 1 cross-border hub, each its own process.

One campaign indicator sighted in two countries gives an early warning that reaches all four national hubs
and is applied (a hub that had seen the address two days earlier raises a retro-hunt alert); a cross-border
hub and a national hub killed with SIGKILL during the exchange catch up after their restart with nothing
lost and nothing applied twice; forged, tampered and replayed envelopes on the wire are rejected and counted.
"""

from __future__ import annotations

import ipaddress
import os
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import yaml

from cybershield.exchange import EnvelopeSealer, HubIdentity, HubKeys, KeyStore
from cybershield.exchange.keys import PrivateKeys
from cybershield.exercise import SAMPLE_RULES
from cybershield.exercise.infrastructure import Infrastructure
from cybershield.exercise.recipes import StageContext, stage_records
from cybershield.exercise.scenario import Constituent
from cybershield.network.launcher import Plan, start_hub, start_network, stop_pids, wait_healthy
from cybershield.network.topology import load_topology

from .waiting import until as _until

INFRA = Infrastructure.draw(random.Random(5), c2_addresses=1, domains=1, payloads=1)
C2 = INFRA.c2_addresses[0]


def _phishing(country: str, network: str, seed: int) -> bytes:
    victim = Constituent(f"org-{country.lower()}", "health", "essential", ipaddress.ip_network(network))
    records = stage_records(StageContext(random.Random(seed), victim, INFRA, "phishing", f"{country}/initial-access",
                                         datetime.now(UTC) - timedelta(minutes=5), None))
    return b"\n".join(r.line() for r in records if r.format == "evtx-json") + b"\n"


def _old_conn() -> bytes:
    """What nl-hub saw two days ago: a workstation talking to the address that is not known as bad yet."""
    at = datetime.now(UTC) - timedelta(days=2)
    return orjson.dumps({"_path": "conn", "ts": at.timestamp(), "uid": "Cold0000000001", "id.orig_h": "10.30.4.7",
                         "id.orig_p": 50123, "id.resp_h": C2, "id.resp_p": 443, "proto": "tcp", "conn_state": "SF"}) + b"\n"


class Hubs:
    def __init__(self, directory: Path, listed: list[dict]):
        self.directory = directory
        self.by_name = {h["name"]: h for h in listed}
        self.client = httpx.Client(timeout=30)

    def call(self, name: str, method: str, path: str, **kwargs) -> httpx.Response:
        hub = self.by_name[name]
        return self.client.request(method, hub["url"] + path, auth=(hub["username"], hub["password"]), **kwargs)

    def health(self, name: str) -> dict:
        return self.client.get(self.by_name[name]["url"] + "/api/v1/health").json()

    def warnings(self, name: str) -> list[dict]:
        return self.call(name, "GET", "/api/v1/warnings").json()

    def kill(self, name: str) -> None:
        os.killpg(self.by_name[name]["pid"], signal.SIGKILL)
        _until(lambda: _dead(self.by_name[name]["pid"]), 10)

    def restart(self, name: str) -> None:
        process = start_hub(self.directory, name)
        self.by_name[name]["pid"] = process.pid
        wait_healthy([self.by_name[name]], {name: process}, directory=self.directory)


def _dead(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


@pytest.fixture(scope="module")
def hubs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("network")
    listed = start_network(directory, Plan.of_size(4, 1), rules=[SAMPLE_RULES])
    yield Hubs(directory, listed)
    stop_pids([h["pid"] for h in listed], timeout=5)


def test_a_warning_reaches_every_member_and_survives_killed_hubs(hubs):
    assert hubs.call("nl-hub", "POST", "/api/v1/ingest", params={"format": "zeek-json"},
                     content=_old_conn()).status_code == 200
    assert hubs.call("de-hub", "POST", "/api/v1/ingest", params={"format": "evtx-json"},
                     content=_phishing("DE", "10.10.0.0/16", 1)).status_code == 200
    # de-hub's sighting reaches the cross-border hub; one country is not enough for a warning
    assert _until(lambda: hubs.health("xb-1")["counters"].get("envelopes_received", 0) >= 1)
    assert hubs.health("xb-1")["counters"].get("warnings_issued", 0) == 0
    # the cross-border hub and be-hub die (SIGKILL: no clean-up) while fr-hub's sighting is on its way
    hubs.kill("xb-1")
    hubs.kill("be-hub")
    assert hubs.call("fr-hub", "POST", "/api/v1/ingest", params={"format": "evtx-json"},
                     content=_phishing("FR", "10.20.0.0/16", 2)).status_code == 200
    assert _until(lambda: hubs.health("fr-hub")["counters"].get("alerts_stored", 0) > 0, 30)
    hubs.restart("xb-1")  # fr-hub's outbox delivers once it is back: the warning goes out
    for name in ("de-hub", "fr-hub", "nl-hub"):
        assert _until(lambda name=name: hubs.warnings(name)), f"{name} got no warning"
    hubs.restart("be-hub")  # it gets what it missed
    assert _until(lambda: hubs.warnings("be-hub"), 60), "be-hub did not catch up"

    expected = {w["id"] for w in hubs.warnings("de-hub")}
    assert expected and all(w["name"].startswith("Early warning") for w in hubs.warnings("de-hub"))
    for name in ("de-hub", "fr-hub", "nl-hub", "be-hub"):
        _until(lambda name=name: {w["id"] for w in hubs.warnings(name)} == expected, 30)
        received = [w["id"] for w in hubs.warnings(name)]
        assert sorted(received) == sorted(expected), name  # every warning, each applied once
    # the warning's indicators went into detection: nl-hub's two-day-old connection is a retro-hunt alert
    hunted = _until(lambda: hubs.call("nl-hub", "GET", "/api/v1/alerts", params={"kind": "retro-hunt"}).json(), 30)
    assert hunted and all(a["context"]["warning"] in expected for a in hunted)
    assert any(a["context"]["matched"]["value"] == C2 for a in hunted)
    counters = hubs.health("xb-1")["counters"]
    assert counters["envelopes_rejected"] == 0 and counters["warnings_issued"] >= 1


def _login(directory: Path, hub: str, peer: str) -> tuple[str, str]:
    spec = yaml.safe_load((directory / hub / "hub.yaml").read_text())["peers"][peer]
    return spec["username"], spec["password"]


def test_forged_tampered_and_replayed_envelopes_are_rejected_and_counted(hubs):
    directory = hubs.directory
    keys = KeyStore(directory / "de-hub" / "keys").load()
    keyring = load_topology(directory / "network.yaml").keyring()
    sealer = EnvelopeSealer(keys, keyring)
    url = hubs.by_name["xb-1"]["url"] + "/api/v1/exchange"
    login = _login(directory, "de-hub", "xb-1")
    bundle = {"type": "bundle", "id": "bundle--6f1f6a0e-4c1b-4c9e-9d49-7c2c36f0d8a1", "objects": []}
    before = hubs.health("xb-1")["counters"].get("envelopes_rejected_by_reason", {})

    good = sealer.seal(bundle, ["xb-1"])
    assert hubs.client.post(url, content=good, auth=login).status_code == 200
    replayed = hubs.client.post(url, content=good, auth=login)
    assert replayed.status_code == 409 and replayed.json()["reason"] == "replayed"

    envelope = orjson.loads(sealer.seal(bundle, ["xb-1"]))
    envelope["payload"]["objects"] = [{"type": "indicator", "id": "indicator--00000000-0000-4000-8000-000000000001"}]
    tampered = hubs.client.post(url, content=orjson.dumps(envelope), auth=login)
    assert tampered.status_code == 400 and tampered.json()["reason"] == "tampered"

    impostor = HubKeys(HubIdentity.new("de-hub", "DE", "national"), (PrivateKeys.generate("de-hub"),))
    forged = hubs.client.post(url, content=EnvelopeSealer(impostor, keyring).seal(bundle, ["xb-1"]), auth=login)
    assert forged.status_code == 400 and forged.json()["reason"] in ("unknown-key", "bad-signature")

    garbage = hubs.client.post(url, content=b"{not json", auth=login)
    assert garbage.status_code == 400 and garbage.json()["reason"] == "malformed"
    assert hubs.client.post(url, content=good, auth=("de-hub", "wrong")).status_code == 401

    after = hubs.health("xb-1")["counters"]["envelopes_rejected_by_reason"]
    for reason in ("replayed", "tampered", forged.json()["reason"], "malformed"):
        assert after.get(reason, 0) > before.get(reason, 0), reason
