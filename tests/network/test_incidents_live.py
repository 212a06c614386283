"""Incidents across real hubs: de-hub, fr-hub and nl-hub (members of xb-1) and xb-1 under uvicorn on 127.0.0.1,
wired by a network file (``network.launcher.write_network``), talking signed envelopes through their outboxes.

An incident opened and updated through a national hub's API is shared up once it carries an indicator, at
country level (its constituent, hosts and internal addresses stay home); the cross-border hub warns every
member, clusters incidents of two countries into a campaign (``GET /api/v1/campaigns``) and escalates it. A
medium incident is kept without a warning, a low one never leaves; a replay is applied once; a non-member
and a hostile incident are refused with their reason and counted.
"""

from __future__ import annotations

import os
import socket
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.cli.base import console
from cybershield.config import Settings
from cybershield.exchange import EnvelopeSealer, KeyStore, background_server, hash_secret
from cybershield.exercise import SAMPLE_RULES
from cybershield.hub import HubContext, HubService, load_hub_config
from cybershield.network.incident_share import FACTS
from cybershield.network.launcher import Plan, write_network
from cybershield.network.topology import load_topology
from cybershield.network.warnings import stable_id
from cybershield.response import build_changes
from cybershield.response.store import IncidentStore
from cybershield.storage.models.network import OutboxRecord
from cybershield.storage.shared_incidents import shared_incidents
from cybershield.web import create_app

from .waiting import until

MEMBERS = ("de-hub", "fr-hub", "nl-hub")
PL_SECRET = "pl-hub-at-xb-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Network:
    def __init__(self, directory: Path, listed: list[dict], services: dict[str, HubService]):
        self.directory, self.services = directory, services
        self.by_name = {h["name"]: h for h in listed}
        self.client = httpx.Client(timeout=30)

    def call(self, name: str, method: str, path: str, **kwargs) -> httpx.Response:
        hub = self.by_name[name]
        return self.client.request(method, hub["url"] + path, auth=(hub["username"], hub["password"]), **kwargs)

    def counters(self, name: str) -> dict:
        return self.client.get(self.by_name[name]["url"] + "/api/v1/health").json()["counters"]

    def incident(self, name: str, severity: str, *observables: str, software: str = "LockBit") -> dict:
        """Open an incident at ``name`` (a constituent named in it), then add ``observables`` to it."""
        opened = self.call(name, "POST", "/api/v1/incidents", json={
            "title": f"Ransomware at Klinikum Nord ({severity})", "entity_type": "essential", "sector": "health",
            "aware_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "severity": severity,
            "entity": "Klinikum Nord"}).raise_for_status().json()
        return self.call(name, "PATCH", f"/api/v1/incidents/{opened['id']}", json={
            "observable": list(observables), "technique": ["T1486", "T1059.001"], "software": [software],
            "note": ["patient records server pacs-01 encrypted"]}).raise_for_status().json()

    def outbox(self, name: str) -> list[OutboxRecord]:
        """What ``name`` has queued for its peers (every envelope's payload), once its bus is quiet."""
        service = self.services[name]
        assert service.bus.drain(timeout=30)
        with service.context.sessions() as session:
            return list(session.query(OutboxRecord).order_by(OutboxRecord.seq))

    def stored(self, shared: str) -> dict | None:
        """xb-1's copy of the shared incident ``shared``, if it has one."""
        return next((i for i in shared_incidents(self.services["xb-1"].context.sessions) if i["id"] == shared), None)

    def warning_ids(self, name: str) -> set[str]:
        return {w["id"] for w in self.call(name, "GET", "/api/v1/warnings").raise_for_status().json()}

    def seal(self, sender: str, payload: dict) -> bytes:
        keys = KeyStore(self.directory / sender / "keys").load()
        return EnvelopeSealer(keys, load_topology(self.directory / "network.yaml").keyring()).seal(payload, ["xb-1"])

    def deliver(self, sender: str, envelope: bytes) -> httpx.Response:
        """Post ``envelope`` to xb-1 with ``sender``'s exchange login there."""
        if sender == "pl-hub":
            login = ("pl-hub", PL_SECRET)
        else:
            spec = yaml.safe_load((self.directory / sender / "hub.yaml").read_text())["peers"]["xb-1"]
            login = (spec["username"], spec["password"])
        return self.client.post(self.by_name["xb-1"]["url"] + "/api/v1/exchange", content=envelope, auth=login)


def _ids(hub: str, incident: dict) -> tuple[str, str]:
    """The STIX id of ``hub``'s shared incident, and that of xb-1's warning about it."""
    shared = stable_id("incident", hub, incident["id"])
    return shared, stable_id("report", "xb-1", "incident-warning", shared)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    directory = tmp_path_factory.mktemp("incidents")
    plan = Plan({"de-hub": "DE", "fr-hub": "FR", "nl-hub": "NL", "pl-hub": "PL"}, {"xb-1": MEMBERS})
    ports = {name: _free_port() for name in (*plan.national, "xb-1")}
    listed = write_network(directory, plan, rules=[SAMPLE_RULES], ports=ports, agreement={
        "incident_min_severity": "medium", "warning": {"incident_severity": "high"},
        "escalation": {"min_countries": 2, "min_severity": "high"}})
    # pl-hub is in the network and may log in at xb-1, but is no member of xb-1's agreement (it is not started)
    xb_config = directory / "xb-1" / "hub.yaml"
    config = yaml.safe_load(xb_config.read_text())
    config["peers"]["pl-hub"] = {"secret": hash_secret(PL_SECRET, 1000), "rights": ["exchange"]}
    xb_config.write_text(yaml.safe_dump(config))
    services = {}
    with ExitStack() as stack:
        for name in (*MEMBERS, "xb-1"):
            home = directory / name
            settings = Settings(data_dir=home / "no-shared-data", var_dir=home / "var",
                                db_url=f"sqlite:///{home / 'hub.db'}", hub_config_path=home / "hub.yaml")
            services[name] = service = HubService(HubContext.open(settings, load_hub_config(home / "hub.yaml")))
            stack.callback(service.close)
            stack.enter_context(background_server(create_app(service), port=ports[name]))
        # what `network up` writes once all are healthy (every hub runs in this process here)
        (directory / "network.json").write_bytes(orjson.dumps({"hubs": [{**h, "pid": os.getpid()} for h in listed]}))
        yield Network(directory, listed, services)


def test_a_high_incident_is_shared_once_it_has_indicators_and_every_member_is_warned(network):
    c2 = "198.51.100.41"
    before = len(network.outbox("de-hub"))
    opened = network.call("de-hub", "POST", "/api/v1/incidents", json={
        "title": "Ransomware at Klinikum Nord", "entity_type": "essential", "sector": "health", "severity": "high",
        "aware_at": datetime.now(UTC).isoformat(), "entity": "Klinikum Nord"}).raise_for_status().json()
    assert len(network.outbox("de-hub")) == before  # no indicator yet: nothing to share
    incident = network.call("de-hub", "PATCH", f"/api/v1/incidents/{opened['id']}", json={
        "observable": [f"ipv4-addr={c2}", "ipv4-addr=10.1.2.3", "host=pacs-01.klinikum.local",
                       "domain-name=cdn-update.example.net"], "technique": ["T1486"]}).raise_for_status().json()
    shared, warning = _ids("de-hub", incident)

    (envelope,) = network.outbox("de-hub")[before:]
    assert envelope.recipient == "xb-1"
    for private in (b"10.1.2.3", b"pacs-01", b"Klinikum", opened["id"].encode()):
        assert private not in envelope.body, private  # the constituent, its hosts and addresses stay home
    for name in MEMBERS:
        assert until(lambda name=name: warning in network.warning_ids(name)), f"{name} got no warning"
    (applied,) = [w for w in network.call("fr-hub", "GET", "/api/v1/warnings").json() if w["id"] == warning]
    assert applied["sender"] == "xb-1" and applied["indicators"] == 2
    assert applied["report"]["x_cybershield_warning"]["incident"] == shared
    kept = network.stored(shared)
    assert (kept["country"], kept["severity"], kept["hub"]) == ("DE", "high", "de-hub")
    assert kept["observables"] == ["domain-name=cdn-update.example.net", f"ipv4-addr={c2}"]
    # the warning's indicators are in fr-hub's intel store, from xb-1
    indicator = network.services["fr-hub"].context.store.get(stable_id("indicator", "xb-1", f"ipv4-addr={c2}"))
    assert indicator["pattern"] == f"[ipv4-addr:value = '{c2}']"


def test_incidents_in_two_countries_are_one_campaign_and_a_large_scale_case(network, monkeypatch):
    c2 = "203.0.113.77"
    de = network.incident("de-hub", "high", f"ipv4-addr={c2}")
    de_id = _ids("de-hub", de)[0]
    assert until(lambda: network.stored(de_id))  # the order of arrival decides which warning is the large-scale one
    fr = network.incident("fr-hub", "critical", f"ipv4-addr={c2}", "url=http://203.0.113.77/stage2.bin",
                          software="Cobalt Strike")
    fr_id, fr_warning = _ids("fr-hub", fr)

    def campaign():
        found = network.call("xb-1", "GET", "/api/v1/campaigns").raise_for_status().json()["campaigns"]
        return next((c for c in found if {i["id"] for i in c["incidents"]} >= {de_id, fr_id}), None)

    found = until(campaign)
    assert found and found["countries"] == ["DE", "FR"] and found["severity"] == "critical"
    assert {"by": "indicator", "between": [de_id, fr_id], "shared": [f"ipv4-addr={c2}"]} in found["links"]
    assert all(set(i) == {"id", "country", "severity", "sector", "first_seen", "last_seen"} for i in found["incidents"])
    assert until(lambda: fr_warning in network.warning_ids("nl-hub"))
    report = next(w for w in network.call("nl-hub", "GET", "/api/v1/warnings").json() if w["id"] == fr_warning)["report"]
    facts = report["x_cybershield_warning"]
    assert facts["escalated"] and facts["campaign"]["id"] == found["id"] and set(facts["sightings"]) == {"DE", "FR"}
    package = network.directory / "xb-1" / "var" / "escalations" / fr_warning.replace("--", "-") / "case.json"
    assert until(package.is_file)
    assert orjson.loads(package.read_bytes())["countries"] == ["DE", "FR"]
    # the campaigns need the right to handle incidents
    hub = network.by_name["xb-1"]
    assert network.client.get(hub["url"] + "/api/v1/campaigns").status_code == 401
    # ranking intrusion sets needs the ATT&CK bundle, which this hub's data folder lacks: it says so
    unranked = network.call("xb-1", "GET", "/api/v1/campaigns", params={"attribute": "true"})
    assert unranked.status_code == 400 and "ATT&CK" in unranked.json()["detail"]
    # and the CLI shows them from network.json
    shown = CliRunner().invoke(app, ["network", "campaigns", "--dir", str(network.directory), "--json"])
    assert shown.exit_code == 0, shown.output
    assert found in orjson.loads(shown.output)["campaigns"]["xb-1"]
    monkeypatch.setattr(console, "width", 250)  # the console was made at import, whatever COLUMNS says now
    table = CliRunner().invoke(app, ["network", "campaigns", "--dir", str(network.directory)])
    assert table.exit_code == 0 and found["id"] in table.output and "DE, FR" in table.output
    wrong = CliRunner().invoke(app, ["network", "campaigns", "--dir", str(network.directory), "--hub", "de-hub"])
    assert wrong.exit_code == 2 and "no cross-border hub" in wrong.output


def test_a_medium_incident_is_kept_without_a_warning_and_a_low_one_stays_home(network):
    received = network.counters("xb-1").get("incidents_received", 0)
    medium = network.incident("nl-hub", "medium", "domain-name=medium-case.example.org", software="Emotet")
    shared, warning = _ids("nl-hub", medium)
    # nl-hub's envelope is delivered once xb-1 has judged it: kept, and no warning went out
    assert until(lambda: all(r.delivered for r in network.outbox("nl-hub") if shared.encode() in r.body))
    assert network.stored(shared) and network.counters("xb-1")["incidents_received"] > received
    assert not any(warning.encode() in row.body for row in network.outbox("xb-1"))
    before = len(network.outbox("nl-hub"))
    network.incident("nl-hub", "low", "domain-name=low-case.example.org", software="Emotet")
    assert len(network.outbox("nl-hub")) == before


def test_a_replayed_incident_is_applied_once(network):
    incident = network.incident("de-hub", "high", "domain-name=replay.example.com", software="Qakbot")
    shared, warning = _ids("de-hub", incident)
    assert until(lambda: warning in network.warning_ids("de-hub"))
    payload = orjson.loads(next(r.body for r in reversed(network.outbox("de-hub")) if shared.encode() in r.body))
    issued = network.counters("xb-1").get("warnings_issued", 0)
    envelope = network.seal("de-hub", payload)
    again = network.deliver("de-hub", envelope)  # the same update in a fresh envelope
    assert again.status_code == 200 and again.json() == {"status": "applied", "incident": shared, "new": False,
                                                         "warning": None}
    replayed = network.deliver("de-hub", envelope)  # the very same envelope
    assert replayed.status_code == 409 and replayed.json()["reason"] == "replayed"
    assert network.counters("xb-1")["warnings_issued"] == issued and network.counters("xb-1")["incidents_known"] >= 1


def test_an_incident_from_a_non_member_is_refused_and_counted(network):
    incident = network.incident("de-hub", "high", "domain-name=non-member.example.com", software="Ryuk")
    shared, _ = _ids("de-hub", incident)
    payload = orjson.loads(next(r.body for r in reversed(network.outbox("de-hub")) if shared.encode() in r.body))
    before = network.counters("xb-1")["envelopes_rejected_by_reason"].get("no-agreement", 0)
    refused = network.deliver("pl-hub", network.seal("pl-hub", payload))
    assert refused.status_code == 403 and refused.json()["reason"] == "no-agreement"
    assert network.counters("xb-1")["envelopes_rejected_by_reason"]["no-agreement"] == before + 1


def test_a_hostile_incident_is_refused_with_its_reason_and_counted(network):
    incident = network.incident("de-hub", "high", "domain-name=hostile.example.com", software="Conti")
    shared, _ = _ids("de-hub", incident)
    payload = orjson.loads(next(r.body for r in reversed(network.outbox("de-hub")) if shared.encode() in r.body))
    facts = next(o for o in payload["objects"] if o["type"] == "incident")[FACTS]
    before = network.counters("xb-1")["envelopes_rejected_by_reason"].get("bad-incident", 0)
    for change, reason in ((lambda f: f["observables"].append("ipv4-addr=192.168.7.7"), "internal"),
                           (lambda f: f.update(severity="x" * 10_000), "severity must be one of")):
        hostile = orjson.loads(orjson.dumps(payload))
        change(next(o for o in hostile["objects"] if o["type"] == "incident")[FACTS])
        refused = network.deliver("de-hub", network.seal("de-hub", hostile))
        assert refused.status_code == 400 and refused.json()["reason"] == "bad-incident"
        assert reason in refused.json()["detail"]
    assert network.counters("xb-1")["envelopes_rejected_by_reason"]["bad-incident"] == before + 2
    assert facts["severity"] == "high"  # the stored version is the member's own
    assert "ipv4-addr=192.168.7.7" not in network.stored(shared)["observables"]


def test_an_incident_changed_outside_the_api_is_shared_at_the_next_look(network):
    """``cybershield incident`` writes to the hub's database, not through its API: the hub's watch publishes
    the change at its next look, once per version."""
    service = network.services["fr-hub"]
    store = IncidentStore(service.context.sessions)
    opened = store.open_incident("Wiper at Port Authority", datetime.now(UTC), "essential", sector="transport",
                                 severity="high", entity="Port Authority")
    incident = store.update(opened["id"], build_changes({"observable": ["domain-name=wiper-cli.example.org"],
                                                          "technique": ["T1485"]}, "analyst", UTC))
    shared, warning = _ids("fr-hub", incident)
    assert service.incidents.look() >= 1  # the watch does this every detect.indicator_reload_seconds
    assert until(lambda: all(name in {m for m in MEMBERS if warning in network.warning_ids(m)} for name in MEMBERS))
    assert network.stored(shared)["observables"] == ["domain-name=wiper-cli.example.org"]
    sent = len(network.outbox("fr-hub"))
    assert service.incidents.look() == 0 and len(network.outbox("fr-hub")) == sent  # each version once
