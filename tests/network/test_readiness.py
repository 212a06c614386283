"""Post-quantum readiness across a network, through real hubs under uvicorn on 127.0.0.1: national hubs share
anonymised weekly summaries (on demand, when their figures change, on their interval) through the outbox; the
cross-border hub keeps the newest per country and week, rolls them up, and refuses hostile summaries and
non-members with a reason, counted in its health."""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from cybershield.cli import app as cli
from cybershield.config import Settings
from cybershield.exchange import EnvelopeSealer, KeyStore, background_server, hash_secret
from cybershield.hub import HubContext, HubService, load_hub_config
from cybershield.hub.config import SECTORS
from cybershield.network import Refused
from cybershield.network.agreement import READINESS
from cybershield.network.launcher import Plan, write_network
from cybershield.network.readiness import ReadinessSharing, check_summary
from cybershield.network.topology import load_topology
from cybershield.pqc import ReadinessError, week_summary
from cybershield.storage import open_database
from cybershield.storage.models import OutboxRecord
from cybershield.storage.readiness_log import keep_summary, readiness_periods, summaries_of
from cybershield.web import create_app

from .test_network_live import _login, _until

NOW = datetime.now(UTC)
WEEK = (NOW - timedelta(days=NOW.weekday())).date()  # the Monday of this week
#: What must never leave a national hub: its servers' addresses, names and its constituents' names.
SECRETS = ("10.9.", "10.8.", "charite", "portal", "example")
FIELDS = {"kind", "version", "country", "period", "generated", "endpoints", "connections", "by_sector"}


@dataclasses.dataclass
class Hub:
    url: str
    service: HubService
    login: tuple[str, str]

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, self.url + path, auth=self.login, timeout=30, **kwargs)

    def picture(self, **params) -> dict:
        return self.call("GET", "/api/v1/pqc/readiness", params=params).raise_for_status().json()

    def rejected(self) -> dict:
        return httpx.get(self.url + "/api/v1/health").json()["counters"]["envelopes_rejected_by_reason"]


@dataclasses.dataclass
class Net:
    directory: Path
    xb: Hub
    de: Hub
    fr: Hub
    sealers: dict[str, EnvelopeSealer] = dataclasses.field(default_factory=dict)

    def seal(self, sender: str, payload: dict) -> bytes:
        """An envelope from ``sender`` (its keys loaded once: a load derives the passphrase's key) to xb-1."""
        if sender not in self.sealers:
            self.sealers[sender] = EnvelopeSealer(KeyStore(self.directory / sender / "keys").load(),
                                                  load_topology(self.directory / "network.yaml").keyring())
        return self.sealers[sender].seal(payload, ["xb-1"])


def _ssl(servers: list[tuple[str, str, int]]) -> bytes:
    """Zeek ssl lines (JSON) from this week: per (server address, key exchange group, connections)."""
    lines, at = [], max(NOW - timedelta(minutes=30), datetime.combine(WEEK, datetime.min.time(), UTC))
    for server, curve, n in servers:
        for i in range(n):
            lines.append(orjson.dumps({
                "_path": "ssl", "ts": at.timestamp() + len(lines), "uid": f"C{server}-{i}", "id.orig_h": "10.8.0.2",
                "id.orig_p": 40000 + len(lines), "id.resp_h": server, "id.resp_p": 443, "version": "TLSv13",
                "cipher": "TLS_AES_128_GCM_SHA256", "curve": curve, "server_name": "portal.charite.example",
                "established": True}))
    return b"\n".join(lines) + b"\n"


def _start(stack: ExitStack, directory: Path, name: str, login: tuple[str, str]) -> Hub:
    home = directory / name
    settings = Settings(home / "no-data", home / "var", f"sqlite:///{home / 'hub.db'}", home / "hub.yaml")
    service = HubService(HubContext.open(settings, load_hub_config(home / "hub.yaml")))
    stack.callback(service.close)
    return Hub(stack.enter_context(background_server(create_app(service))), service, login)


def _edit(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    """xb-1 (members de-hub, fr-hub, nl-hub) and de-hub, fr-hub running; nl-hub (a member) and be-hub (not a
    member, yet with an exchange login at xb-1) are sealed by hand; fr-hub shares every second."""
    directory = tmp_path_factory.mktemp("readiness")
    hubs = write_network(directory, Plan({"de-hub": "DE", "fr-hub": "FR", "nl-hub": "NL", "be-hub": "BE"},
                                         {"xb-1": ("de-hub", "fr-hub", "nl-hub")}))
    logins = {h["name"]: (h["username"], h["password"]) for h in hubs}
    _edit(directory / "xb-1" / "hub.yaml", lambda d: d["peers"].update(
        {"be-hub": {"secret": hash_secret("be-secret", 1000), "rights": ["exchange"]}}))
    _edit(directory / "fr-hub" / "hub.yaml", lambda d: d["network"].update(readiness_share_seconds=1))
    with ExitStack() as stack:
        xb = _start(stack, directory, "xb-1", logins["xb-1"])
        _edit(directory / "network.yaml", lambda d: d["hubs"]["xb-1"].update(url=xb.url))  # where it listens
        yield Net(directory, xb, _start(stack, directory, "de-hub", logins["de-hub"]),
                  _start(stack, directory, "fr-hub", logins["fr-hub"]))


def _ingest(hub: Hub, servers: list[tuple[str, str, int]]) -> None:
    seen = hub.service.pqc.collector.handshakes_seen
    assert hub.call("POST", "/api/v1/ingest", params={"format": "zeek-json"}, content=_ssl(servers)).status_code == 200
    total = seen + sum(n for _, _, n in servers)
    assert _until(lambda: hub.service.pqc.collector.handshakes_seen >= total, 30)  # the recorder has them


def _country(net: Net, country: str, want=lambda c: True) -> dict | None:
    return _until(lambda: (c := net.xb.picture()["by_country"].get(country)) and want(c) and c, 30)


def test_a_national_hub_shares_on_demand_and_when_its_figures_change_with_no_name_or_address(net):
    _ingest(net.de, [("10.9.0.5", "x25519", 20), ("10.9.0.6", "X25519MLKEM768", 5)])
    answer = net.de.call("POST", "/api/v1/pqc/readiness/share").raise_for_status().json()
    assert answer["queued"] == [{"hub": "xb-1", "period": WEEK.isoformat(), "endpoints": 2}]
    de = _country(net, "DE")
    assert de["endpoints"]["quantum-vulnerable"] == 1 and de["endpoints"]["hybrid-pq"] == 1
    assert de["protected_share"] == 0.5 and de["connections_protected_share"] == 0.2  # 5 of 25 connections
    picture = net.xb.picture()
    assert picture["period"] == WEEK.isoformat() and picture["reported"]["DE"]["hub"] == "de-hub"

    # the figures change: the recorder stores them and the hub sends them by itself (no API call)
    _ingest(net.de, [("10.9.0.7", "MLKEM768", 3)])
    net.de.service.pqc.flush()
    de = _country(net, "DE", lambda c: c["endpoints"]["hybrid-pq"] == 2)
    assert de and de["endpoints"]["quantum-vulnerable"] == 1 and sum(de["endpoints"].values()) == 3

    # what went up and what the cross-border hub keeps: counts only
    with open_database(f"sqlite:///{net.directory / 'de-hub' / 'hub.db'}")() as session:
        sent = [orjson.loads(body) for body in session.scalars(select(OutboxRecord.body))]
    held = [h["document"] for h in summaries_of(net.xb.service.context.sessions, WEEK)]
    assert sent and held
    for document in [*sent, *held]:
        assert set(document) == FIELDS and set(document["by_sector"]) == {"unassigned"}
    text = orjson.dumps([sent, held, net.xb.picture()]).decode()
    assert not [s for s in SECRETS if s in text]
    assert net.xb.service.health()["counters"]["readiness_received"] >= 2


def test_a_hub_resends_on_its_interval_and_is_counted_once(net):
    _ingest(net.fr, [("10.9.1.5", "secp256r1", 4)])
    net.fr.service.pqc.flush()
    fr = _country(net, "FR")
    assert fr["endpoints"]["quantum-vulnerable"] == 1
    first = net.xb.picture()["reported"]["FR"]["generated"]
    assert _until(lambda: net.xb.picture()["reported"]["FR"]["generated"] > first, 15)  # every second, unchanged
    assert net.xb.picture()["by_country"]["FR"] == fr  # replaced, not added


def _nl_summary(pq: int = 3, vulnerable: int = 2) -> dict:
    rows = [{"sector": "health", "status": "pq", "endpoints": pq, "connections": 10 * pq},
            {"sector": "", "status": "quantum-vulnerable", "endpoints": vulnerable, "connections": vulnerable}]
    return week_summary(rows, "NL", WEEK, SECTORS)


def _post(net: Net, sender: str, payload: dict, login: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.post(net.xb.url + "/api/v1/exchange", content=net.seal(sender, payload),
                      auth=login or _login(net.directory, sender, "xb-1"), timeout=30)


def test_redelivery_changes_nothing_and_a_newer_summary_replaces(net):
    summary = _nl_summary()
    first = _post(net, "nl-hub", summary)
    assert first.status_code == 200 and first.json()["readiness"] == {"country": "NL", "period": WEEK.isoformat(),
                                                                      "stored": "new"}
    assert _post(net, "nl-hub", summary).json()["readiness"]["stored"] == "known"  # the same summary again
    nl = net.xb.picture()["by_country"]["NL"]
    assert nl["endpoints"]["pq"] == 3 and nl["endpoints"]["quantum-vulnerable"] == 2  # once, not twice
    older = {**_nl_summary(pq=9), "generated": (datetime.fromisoformat(summary["generated"])
                                               - timedelta(hours=1)).isoformat()}
    assert _post(net, "nl-hub", older).json()["readiness"]["stored"] == "older"
    assert net.xb.picture()["by_country"]["NL"]["endpoints"]["pq"] == 3
    assert _post(net, "nl-hub", _nl_summary(pq=4)).json()["readiness"]["stored"] == "replaced"
    picture = net.xb.picture()
    assert picture["by_country"]["NL"]["endpoints"]["pq"] == 4
    assert picture["by_sector"]["health"]["pq"] >= 4 and "missing" in picture
    totals = {s: sum(c["endpoints"][s] for c in picture["by_country"].values()) for s in picture["endpoints"]}
    assert totals == picture["endpoints"]


HOSTILE = [
    ({"hosts": ["10.9.0.5"]}, "unexpected field 'hosts'"),
    ({"country": "DE"}, "the sender is in NL"),
    ({"period": "2026-13-01"}, "is not the Monday"),
    ({"period": (WEEK + timedelta(days=1)).isoformat()}, "is not the Monday"),
    ({"period": (WEEK + timedelta(days=7)).isoformat()}, "has not begun"),
    ({"generated": "2026-12-01T10:00:00"}, "UTC offset"),
    ({"generated": (NOW + timedelta(days=2)).isoformat()}, "in the future"),
    ({"endpoints": {"pq": -1}}, "whole numbers"),
    ({"endpoints": {"pq": True}}, "whole numbers"),
    ({"connections": {"pq": 10**13}}, "whole numbers"),
    ({"connections": {"quantum-proof": 1}}, "unknown status"),
    ({"by_sector": {"portal.charite.example": {"pq": 3}}}, "not a NIS2 sector"),
    ({"by_sector": {"health": {"pq": 1}}}, "does not add up"),
    ({"by_sector": ["health"]}, "expected counts by sector"),
    ({"version": 2}, "not a cybershield-pqc-readiness document"),
]


def test_hostile_summaries_and_non_members_are_refused_with_a_reason_and_counted(net):
    before = net.xb.rejected()
    good = _nl_summary(pq=5)
    for change, reason in HOSTILE:
        answer = _post(net, "nl-hub", {**good, **change})
        assert answer.status_code == 400 and answer.json()["reason"] == "bad-readiness", change
        assert reason in answer.json()["detail"], (change, answer.json())
    assert net.xb.rejected().get("bad-readiness", 0) - before.get("bad-readiness", 0) == len(HOSTILE)
    assert net.xb.picture()["by_country"].get("NL", {}).get("endpoints", {}).get("pq") != 5  # none was kept
    # a hub that is not a member (though it can log in) is refused, however good its summary
    be = {**good, "country": "BE"}
    answer = _post(net, "be-hub", be, ("be-hub", "be-secret"))
    assert answer.status_code == 403 and answer.json()["reason"] == "no-agreement"
    assert net.xb.rejected()["no-agreement"] == before.get("no-agreement", 0) + 1
    assert "BE" not in net.xb.picture()["countries"]


def test_an_agreement_without_readiness_neither_sends_nor_takes_it(net):
    topology = load_topology(net.directory / "network.yaml")
    xb = topology.entry("xb-1")
    narrowed = dataclasses.replace(xb, agreement=dataclasses.replace(
        xb.agreement, share_types=tuple(t for t in xb.agreement.share_types if t != READINESS)))
    topology = dataclasses.replace(topology, hubs={**topology.hubs, "xb-1": narrowed})
    sent = []
    national = ReadinessSharing(net.de.service, topology, topology.entry("de-hub"), lambda *message: sent.append(message))
    assert national.recipients() == [] and national.share() == [] and sent == []
    cross_border = ReadinessSharing(net.xb.service, topology, narrowed, lambda *message: sent.append(message))
    with pytest.raises(Refused) as refused:
        cross_border.receive(topology.entry("nl-hub"), _nl_summary())
    assert refused.value.reason == "not-agreed" and sent == []


def test_the_api_and_the_cli_where_they_apply_and_where_not(net, monkeypatch):
    assert net.de.call("GET", "/api/v1/pqc/readiness").status_code == 404  # a national hub rolls nothing up
    assert net.xb.call("POST", "/api/v1/pqc/readiness/share").status_code == 404
    assert net.xb.call("GET", "/api/v1/pqc/readiness", params={"period": "last week"}).status_code == 400
    assert httpx.get(net.xb.url + "/api/v1/pqc/readiness").status_code == 401
    assert _post(net, "nl-hub", _nl_summary()).status_code == 200
    empty = net.xb.picture(period="2020-01-06")
    assert empty["countries"] == [] and empty["missing"] == ["DE", "FR", "NL"]
    assert WEEK.isoformat() in empty["periods"]

    # the cross-border hub's dashboard shows the picture (open on loopback); a national hub's has no such panel
    assert 'id="readiness-rows"' in httpx.get(net.xb.url + "/dashboard/").text
    assert 'id="readiness"' not in httpx.get(net.de.url + "/dashboard/").text
    panel = httpx.get(net.xb.url + "/dashboard/api/readiness").json()
    assert "NL" in panel["by_country"] and panel["period"] == WEEK.isoformat()
    assert httpx.get(net.de.url + "/dashboard/api/readiness").status_code == 404

    runner = CliRunner()
    monkeypatch.setenv("XB_PASSWORD", net.xb.login[1])
    rolled = runner.invoke(cli, ["pqc", "rollup", "--hub", net.xb.url, "--password-env", "XB_PASSWORD", "--json"])
    assert rolled.exit_code == 0, rolled.output
    assert "NL" in orjson.loads(rolled.stdout)["countries"]
    table = runner.invoke(cli, ["pqc", "rollup", "--hub", net.xb.url, "--password-env", "XB_PASSWORD"])
    assert table.exit_code == 0 and "NL" in table.output and f"week of {WEEK}" in table.output
    monkeypatch.setenv("DE_PASSWORD", net.de.login[1])
    shared = runner.invoke(cli, ["pqc", "share", "--hub", net.de.url, "--password-env", "DE_PASSWORD", "--json"])
    assert shared.exit_code == 0 and orjson.loads(shared.stdout)["queued"][0]["hub"] == "xb-1"
    told = runner.invoke(cli, ["pqc", "share", "--hub", net.de.url, "--password-env", "DE_PASSWORD"])
    assert told.exit_code == 0 and f"de-hub -> xb-1: week of {WEEK}" in told.output
    monkeypatch.setenv("DE_PASSWORD", "wrong")
    refused = runner.invoke(cli, ["pqc", "share", "--hub", net.de.url, "--password-env", "DE_PASSWORD"])
    assert refused.exit_code == 2 and "401" in refused.output
    assert runner.invoke(cli, ["pqc", "rollup"]).exit_code == 2  # neither files nor --hub


def test_summaries_are_checked_before_they_are_kept():
    summary = _nl_summary()
    period, generated, kept = check_summary(orjson.loads(orjson.dumps(summary)), "NL")
    assert period == WEEK and kept == {**summary, "generated": generated.isoformat()}
    # a sector that is no NIS2 sector (free text: a constituent's own word) is counted as "other"
    folded = week_summary([{"sector": "Charite Kliniken", "status": "pq", "endpoints": 2, "connections": 2}],
                          "DE", WEEK, SECTORS)
    assert folded["by_sector"] == {"other": {**dict.fromkeys(folded["endpoints"], 0), "pq": 2}}
    for bad in (None, [], "text", {"kind": "cybershield-pqc-readiness"}):
        with pytest.raises(ReadinessError):
            check_summary(bad, "NL")


def test_the_newest_summary_per_country_and_week_is_kept(db_url):
    sessions = open_database(db_url)
    t0 = datetime(2026, 11, 30, 12, tzinfo=UTC)
    week = date(2026, 11, 30)
    assert keep_summary(sessions, "NL", week, "nl-hub", t0, {"n": 1}) == "new"
    assert keep_summary(sessions, "NL", week, "nl-hub", t0, {"n": 1}) == "known"
    assert keep_summary(sessions, "NL", week, "nl-hub", t0 - timedelta(seconds=1), {"n": 0}) == "older"
    assert keep_summary(sessions, "NL", week, "nl-hub", t0 + timedelta(seconds=1), {"n": 2}) == "replaced"
    assert keep_summary(sessions, "DE", week, "de-hub", t0, {"n": 7}) == "new"
    assert keep_summary(sessions, "NL", week - timedelta(days=7), "nl-hub", t0, {"n": 3}) == "new"
    held = summaries_of(sessions, week)
    assert [(h["country"], h["document"]["n"], h["generated"]) for h in held] == [
        ("DE", 7, t0), ("NL", 2, t0 + timedelta(seconds=1))]
    assert readiness_periods(sessions) == [week, week - timedelta(days=7)]
