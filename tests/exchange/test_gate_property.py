"""Property: over random object graphs, markings, origins and re-markings, no path (GET, manifest,
versions, paging, export, DELETE, status, sync push) hands an account an object, an id or a count it
may not see. The expected view of each account comes from a small model of the rules written here,
independently of the gate."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from cybershield.exchange import TAXII, Exchange, PeerLink, TaxiiSettings, background_server, create_app
from cybershield.intel import TLP2_IDS, IntelStore, SharingPolicy, export_stix, stixtime
from cybershield.storage import StixObjectRecord, TaxiiBookmark, TaxiiStatusRecord

from ..intel.factory import T0, indicator, sid
from .conftest import PASSWORDS, hub_config

EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
T1 = "2024-06-01T00:00:00.000Z"
DEFINITIONS = {
    "custom-red": {"type": "marking-definition", "spec_version": "2.1", "id": sid("marking-definition", 1),
                   "created": T0, "extensions": {EXT: {"extension_type": "property-extension", "tlp_2_0": "red"}}},
    "custom-green": {"type": "marking-definition", "spec_version": "2.1", "id": sid("marking-definition", 2),
                     "created": T0, "extensions": {EXT: {"extension_type": "property-extension", "tlp_2_0": "green"}}},
    "statement": {"type": "marking-definition", "spec_version": "2.1", "id": sid("marking-definition", 3),
                  "created": T0, "definition_type": "statement", "definition": {"statement": "Copyright"}},
}
MARKINGS = {None: None, **{level: level for level in TLP2_IDS}, "custom-red": "RED", "custom-green": "GREEN",
            "statement": "UNKNOWN", "unheld": "UNKNOWN"}
ACCOUNTS = ("fr-hub", "be-hub", "charite")
ABSENT = sid("indicator", 999_999)


def marking_refs(marking: str | None) -> dict:
    if marking is None:
        return {}
    ref = TLP2_IDS.get(marking) or (DEFINITIONS[marking]["id"] if marking in DEFINITIONS
                                    else sid("marking-definition", 99))
    return {"object_marking_refs": [ref]}


def may(account: str, level: str | None, origin: str | None) -> bool:
    """TLP 2.0 as the README states it, for a hub whose default is AMBER."""
    level, own = level or "AMBER", origin is None
    if level in ("CLEAR", "GREEN"):
        return True
    if level in ("RED", "UNKNOWN"):
        return False
    if level == "AMBER+STRICT":
        return own or origin == account
    return own or origin == account or account == "charite"


@dataclass
class Node:
    id: str
    origin: str | None
    versions: list[tuple[str, str | None, tuple[str, ...]]] = field(default_factory=list)  # modified, marking, refs

    def document(self, n: int, modified: str, marking: str | None, refs: tuple[str, ...]) -> dict:
        if self.id.startswith("report"):
            return {"type": "report", "spec_version": "2.1", "id": self.id, "created": T0, "modified": modified,
                    "name": f"report {n}", "published": T0, "object_refs": list(refs), **marking_refs(marking)}
        return indicator(n, modified=modified, **marking_refs(marking))


@st.composite
def graphs(draw) -> list[Node]:
    nodes: list[Node] = []
    for n in range(draw(st.integers(2, 7))):
        report = bool(nodes) and draw(st.booleans())
        node = Node(sid("report", n) if report else indicator(n)["id"], draw(st.sampled_from([None, "fr-hub", "be-hub"])))
        for modified in [T0] + ([T1] if draw(st.booleans()) else []):
            refs = tuple(sorted(draw(st.sets(st.sampled_from([o.id for o in nodes]), min_size=1, max_size=3)))) \
                if report else ()
            node.versions.append((modified, draw(st.sampled_from(list(MARKINGS))), refs))
        nodes.append(node)
    return nodes


class Model:
    """What each account may see of a graph."""

    def __init__(self, nodes: list[Node]):
        self.nodes = {node.id: node for node in nodes}

    def visible(self, account: str, oid: str) -> bool:
        node = self.nodes.get(oid)
        if node is None:
            return oid in {d["id"] for d in DEFINITIONS.values()}
        _, marking, refs = node.versions[-1]
        return may(account, MARKINGS[marking], node.origin) and all(self.visible(account, r) for r in refs)

    def versions(self, account: str, oid: str) -> set[str]:
        node = self.nodes[oid]
        if not self.visible(account, oid):
            return set()
        return {modified for modified, marking, refs in node.versions
                if may(account, MARKINGS[marking], node.origin) and all(self.visible(account, r) for r in refs)}

    def ids(self, account: str) -> set[str]:
        return {oid for oid in [*self.nodes, *(d["id"] for d in DEFINITIONS.values())] if self.visible(account, oid)}


@pytest.fixture
def world(tmp_path, monkeypatch):
    config = hub_config(default_tlp="AMBER")
    store, policy, taxii = IntelStore.open(f"sqlite:///{tmp_path / 'hub.db'}"), SharingPolicy.from_config(config), \
        TaxiiSettings.from_config(config)
    peer = IntelStore.open(f"sqlite:///{tmp_path / 'peer.db'}")
    peer_app = create_app(peer, SharingPolicy.from_config(hub_config(name="peer")), taxii)
    inbox = next(c.id for c in taxii.collections.values() if c.name == "inbox")
    with TestClient(create_app(store, policy, taxii)) as client, background_server(peer_app) as peer_url:
        yield store, policy, client, f"/api1/collections/{next(c.id for c in taxii.collections.values() if c.name == 'hub')}/", \
            peer, f"{peer_url}/api1/collections/{inbox}/"


def _clear(*stores: IntelStore) -> None:
    for store in stores:
        with store.engine.begin() as conn:
            for table in (StixObjectRecord, TaxiiStatusRecord, TaxiiBookmark):
                conn.execute(delete(table.__table__))


def _pages(client, url: str, account: str, key: str, **params) -> list:
    found, query = [], {"limit": "2", **params}
    while True:
        answer = client.get(url, params=query, auth=(account, PASSWORDS[account]), headers={"Accept": TAXII})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body.get(key) or not body.get("more"), "an empty page that says more"
        found += body.get(key, [])
        if not body.get("more"):
            return found
        query["next"] = body["next"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(nodes=graphs())
def test_no_path_hands_out_what_an_account_may_not_see(world, nodes):
    store, policy, client, url, peer, peer_inbox = world
    _clear(store, peer)
    store.add(list(DEFINITIONS.values()), collection="hub")
    for n, node in enumerate(nodes):
        for modified, marking, refs in node.versions:
            result = store.add([node.document(n, modified, marking, refs)], collection="hub", origin=node.origin)
            assert not result.rejected, result.rejected
    model = Model(nodes)
    for account in ACCOUNTS:
        auth, headers = (account, PASSWORDS[account]), {"Accept": TAXII, "Content-Type": TAXII}
        expected = model.ids(account)
        pairs = {(oid, v) for oid in model.nodes for v in model.versions(account, oid)}
        assert {o["id"] for o in _pages(client, url + "objects/", account, "objects")} == expected
        assert {m["id"] for m in _pages(client, url + "manifest/", account, "objects")} == expected
        listed = {(o["id"], o.get("modified")) for o in _pages(client, url + "objects/", account, "objects",
                                                               **{"match[version]": "all"}) if o["id"] in model.nodes}
        assert listed == pairs
        absent = client.get(url + f"objects/{ABSENT}/versions/", auth=auth, headers=headers)
        for oid in model.nodes:
            versions = client.get(url + f"objects/{oid}/versions/", auth=auth, headers=headers)
            one = client.get(url + f"objects/{oid}/", auth=auth, headers=headers)
            if oid in expected:
                assert set(versions.json()["versions"]) == set(map(stixtime.normalise, model.versions(account, oid)))
                assert one.status_code == 200
            else:
                assert (versions.status_code, versions.content) == \
                    (absent.status_code, absent.content.replace(ABSENT.encode(), oid.encode()))
                assert one.status_code == 404
        export = export_stix(store, policy, policy.recipient(account))
        assert {o.id for o in export.objects} == expected
    # DELETE and status as be-hub, the account that may write: what it may not see stays, unconfirmed
    auth, headers = ("be-hub", PASSWORDS["be-hub"]), {"Accept": TAXII, "Content-Type": TAXII}
    hidden = [oid for oid in model.nodes if oid not in model.ids("be-hub")]
    for oid in hidden:
        answer = client.delete(url + f"objects/{oid}/", auth=auth, headers=headers)
        assert answer.status_code == 404 and store.get(oid) is not None
    documents = [orjson.loads(o.document) for o in store.page("hub", ids=hidden, limit=100).objects]
    posted = client.post(url + "objects/", auth=auth, headers=headers,
                         content=orjson.dumps({"objects": documents + [indicator(500_000)]}))
    status = client.get(f"/api1/status/{posted.json()['id']}/", auth=auth, headers=headers).json()
    assert {s["message"] for s in status["successes"]} <= {"accepted"}
    # sync push to a peer: exactly this hub's own objects that the peer may see arrive
    for account in ("fr-hub", "be-hub"):
        _clear(peer)
        link = PeerLink(account, push=peer_inbox, username="be-hub", password=PASSWORDS["be-hub"])
        transfer = Exchange(store, policy).push(link)
        assert transfer.error is None
        own = {oid for oid in model.ids(account) if oid not in model.nodes or model.nodes[oid].origin is None}
        assert {o.id for o in peer.latest()} == own
