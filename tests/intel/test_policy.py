"""The sharing gate and the STIX export path: every TLP level, every kind of recipient, references to RED."""

from __future__ import annotations

import orjson
import pytest

from cybershield.intel import COMMUNITY, TLP2_IDS, IntelStore, SharingPolicy, StoredObject, export_stix
from cybershield.intel.policy import MAX_REFERENCE_DEPTH

from .factory import T0, indicator, relationship, sid
from .sharing import EXPECTED, RED, fill

CONFIG = {"hub": {"name": "de-hub", "default_tlp": "amber"}, "peers": {"fr-hub": {}, "be-hub": {}},
          "constituents": {"charite": {}}, "groups": {"west": ["fr-hub", "be-hub"]}}


@pytest.fixture
def filled(db_url):
    store = IntelStore.open(db_url)
    return store, SharingPolicy.from_config(CONFIG), fill(store)


def recipient(policy, name):
    return COMMUNITY if name == "community" else policy.recipient(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_gate_for_each_recipient(filled, name):
    store, policy, labels = filled
    gated = policy.gate(store, store.page("hub", limit=100).objects, recipient(policy, name))
    assert {labels[o.id] for o in gated.allowed} == EXPECTED[name]
    reasons = dict(gated.withheld)
    assert {labels[i] for i in reasons} == set(labels.values()) - EXPECTED[name]
    red = next(i for i, label in labels.items() if label == "red")
    assert reasons[red] == "TLP:RED never leaves the hub"
    for leak in ("rel-to-red", "sighting-of-red", "report-with-red"):
        leak_id = next(i for i, label in labels.items() if label == leak)
        assert reasons[leak_id].startswith(f"references {red}"), reasons[leak_id]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_export_for_each_recipient(filled, name):
    store, policy, labels = filled
    export = export_stix(store, policy, recipient(policy, name))
    bundle = orjson.loads(export.bundle())
    assert bundle["type"] == "bundle"
    exported = {o["id"] for o in bundle["objects"] if o["type"] != "marking-definition"}
    assert {labels[i] for i in exported} == EXPECTED[name]
    markings = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert TLP2_IDS["CLEAR"] in markings
    assert TLP2_IDS["RED"] not in export.bundle().decode()  # nothing RED-marked, nothing pointing to RED


def test_policy_configuration_errors():
    with pytest.raises(ValueError, match="default_tlp"):
        SharingPolicy.from_config({"hub": {"default_tlp": "PURPLE"}})
    with pytest.raises(ValueError, match="unknown peers"):
        SharingPolicy.from_config({"groups": {"g": ["nobody"]}})
    with pytest.raises(KeyError, match="unknown recipient"):
        SharingPolicy.from_config(CONFIG).recipient("mallory")


def test_objects_not_yet_stored_are_gated_against_the_store(filled):
    """What a hub is about to send (a warning, say) passes the same gate, references checked in the store."""
    store, policy, _ = filled
    warning = relationship(99, indicator(2)["id"], RED["id"], tlp="CLEAR")
    fresh = indicator(50, tlp="GREEN")
    outgoing = [StoredObject.from_dict(warning), StoredObject.from_dict(fresh), StoredObject.from_dict(RED)]
    gated = policy.gate(store, outgoing, policy.recipient("fr-hub"))
    assert [o.id for o in gated.allowed] == [fresh["id"]]
    assert dict(gated.withheld)[warning["id"]].startswith(f"references {RED['id']}")


def test_latest_takes_the_newest_version_across_collections(db_url):
    store = IntelStore.open(db_url)
    store.add([indicator(1)], collection="hub")
    store.add([indicator(1, modified="2024-05-01T00:00:00.000Z")], collection="inbox", origin="fr-hub")
    newest = list(store.latest())
    assert [(o.collection, o.version[:10]) for o in newest] == [("inbox", "2024-05-01")]
    assert store.get(indicator(1)["id"])["modified"] == "2024-05-01T00:00:00.000Z"
    assert [o["modified"] for o in store.active_indicators()] == ["2024-05-01T00:00:00.000Z"]


def test_references_are_followed_transitively_up_to_the_bound(db_url):
    """Finding 5: a chain of GREEN reports down to a GREEN indicator is shared while it is at most
    MAX_REFERENCE_DEPTH hops long, withheld beyond; a RED object at the end withholds the whole chain."""
    store, policy = IntelStore.open(db_url), SharingPolicy.from_config(CONFIG)

    def report(n: int, ref: str) -> dict:
        return {"type": "report", "spec_version": "2.1", "id": sid("report", n), "created": T0, "modified": T0,
                "name": f"r{n}", "published": T0, "object_refs": [ref], "object_marking_refs": [TLP2_IDS["GREEN"]]}

    for end, tlp in ((1, "GREEN"), (2, "RED")):
        chain = [indicator(end, tlp=tlp)]
        for n in range(MAX_REFERENCE_DEPTH + 2):
            chain.append(report(100 * end + n, chain[-1]["id"]))
        store.add(chain)
        for hops, obj in enumerate(chain):
            alone = policy.gate(store, [StoredObject.from_dict(obj)], policy.recipient("fr-hub"))
            shared = tlp == "GREEN" and hops <= MAX_REFERENCE_DEPTH
            assert bool(alone.allowed) == shared, (tlp, hops, alone.withheld)
