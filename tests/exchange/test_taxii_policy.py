"""The sharing gate on every outgoing TAXII path: GET objects, object by id, versions, manifest, and pushes."""

from __future__ import annotations

import pytest
import requests
from taxii2client.v21 import Collection

from cybershield.exchange import Exchange, PeerLink, TaxiiSettings, background_server, create_app
from cybershield.intel import IntelStore, SharingPolicy

from ..intel.sharing import EXPECTED, fill
from .conftest import PASSWORDS, hub_config

ACCOUNTS = ["fr-hub", "be-hub", "charite"]


@pytest.fixture
def gated_hub(db_url):
    config = hub_config(default_tlp="AMBER")
    store, policy = IntelStore.open(db_url), SharingPolicy.from_config(config)
    labels = fill(store)
    with background_server(create_app(store, policy, TaxiiSettings.from_config(config))) as url:
        settings = TaxiiSettings.from_config(config)
        cid = next(c.id for c in settings.collections.values() if c.name == "hub")
        yield f"{url}/api1/collections/{cid}/", labels


@pytest.mark.parametrize("account", ACCOUNTS)
def test_taxii_reads_never_leak(gated_hub, account):
    url, labels = gated_hub
    col = Collection(url, user=account, password=PASSWORDS[account])
    expected = EXPECTED[account]
    assert {labels[o["id"]] for o in col.get_objects(limit=5).get("objects", [])} <= expected
    got = set()
    envelope = col.get_objects(limit=4)
    while True:
        got |= {labels[o["id"]] for o in envelope.get("objects", [])}
        if not envelope.get("more"):
            break
        envelope = col.get_objects(limit=4, next=envelope["next"])
    assert got == expected
    assert {labels[m["id"]] for m in col.get_manifest().get("objects", [])} == expected
    for oid, label in labels.items():
        if label in expected:
            assert col.get_object(oid)["objects"][0]["id"] == oid
            assert len(col.object_versions(oid)["versions"]) == 1
        else:  # withheld objects read as absent, on every endpoint
            for read in (col.get_object, col.object_versions):
                with pytest.raises(requests.HTTPError) as refused:
                    read(oid)
                assert refused.value.response.status_code == 404
            assert "objects" not in col.get_objects(id=oid)


@pytest.mark.parametrize("account", ["fr-hub", "be-hub"])
def test_pushes_are_gated(db_url, tmp_path, account):
    """This hub pushes to a peer's inbox; the peer's store must hold exactly what the gate allows."""
    config = hub_config(name=account)
    peer_store = IntelStore.open(f"sqlite:///{tmp_path / 'peer.db'}")
    peer_settings = TaxiiSettings.from_config(config)
    # the receiving hub lets "de-hub" write; reuse be-hub's account entry for it
    inbox = next(c.id for c in peer_settings.collections.values() if c.name == "inbox")
    with background_server(create_app(peer_store, SharingPolicy.from_config(config), peer_settings)) as url:
        store = IntelStore.open(db_url)
        labels = fill(store)
        policy = SharingPolicy.from_config(hub_config(default_tlp="AMBER"))
        link = PeerLink(account, push=f"{url}/api1/collections/{inbox}/", username="be-hub",
                        password=PASSWORDS["be-hub"])
        own = {label for label in EXPECTED[account] if not label.startswith("fr-")}
        transfer = Exchange(store, policy).push(link)
        assert transfer.error is None and transfer.counts == {"success": len(own), "failure": 0}
        assert {labels[o.id] for o in peer_store.latest()} == own
        assert Exchange(store, policy).push(link).objects == 0  # the push bookmark: nothing twice
