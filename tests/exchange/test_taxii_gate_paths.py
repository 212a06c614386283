"""Findings 2 to 5 against the real server: DELETE, paging, cursors, markings and references through the gate."""

from __future__ import annotations

import base64

import pytest
import requests

from cybershield.exchange import TAXII
from cybershield.intel import TLP2_IDS, stixtime
from cybershield.intel.store import decode_cursor

from ..intel.factory import T0, indicator, relationship, sid
from .conftest import PASSWORDS

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def session(account: str) -> requests.Session:
    s = requests.Session()
    s.auth = (account, PASSWORDS[account])
    s.headers.update({"Accept": TAXII, "Content-Type": TAXII})
    return s


def read_all(s: requests.Session, url: str, **params) -> tuple[list[str], list[dict]]:
    """Every id of a paged listing, and every envelope seen."""
    ids, envelopes, query = [], [], dict(params)
    while True:
        answer = s.get(url, params=query, timeout=30)
        assert answer.status_code == 200, answer.text
        envelope = answer.json()
        envelopes.append(envelope)
        ids += [o["id"] for o in envelope.get("objects", [])] + envelope.get("versions", [])
        if not envelope.get("more"):
            return ids, envelopes
        query["next"] = envelope["next"]


def test_delete_passes_through_the_gate(hub):
    """Finding 2: DELETE of an object the account may not see is a 404 like an unknown id, and nothing goes."""
    own_red, strict = indicator(1, tlp="RED"), indicator(2, tlp="AMBER+STRICT")
    hub.store.add([own_red], collection="hub")
    hub.store.add([strict], collection="hub", origin="fr-hub")
    url = hub.collection_url("hub") + "objects/"
    be = session("be-hub")
    unknown = be.delete(url + indicator(99)["id"] + "/")
    assert unknown.status_code == 404
    for obj in (own_red, strict):
        answer = be.delete(url + obj["id"] + "/")
        assert answer.status_code == 404
        assert answer.json()["description"] == unknown.json()["description"].replace(indicator(99)["id"], obj["id"])
        assert hub.store.get(obj["id"]) is not None, "a withheld object was deleted"
    hub.store.add([indicator(3, tlp="GREEN")], collection="hub")
    assert be.delete(url + indicator(3)["id"] + "/").status_code == 200
    assert hub.store.get(indicator(3)["id"]) is None


def _definition(n: int, extension: dict) -> dict:
    return {"type": "marking-definition", "spec_version": "2.1", "id": sid("marking-definition", n), "created": T0,
            **extension}


def test_markings_fail_closed_and_tlp2_is_read_by_value(hub):
    """Finding 3: a TLP 2.0 RED definition with its own id, a statement marking and an unheld marking id
    all keep the object from every account, constituents included; a custom GREEN definition shares."""
    red = _definition(1, {"name": "our red", "extensions": {TLP2_EXTENSION: {
        "extension_type": "property-extension", "tlp_2_0": "red"}}})
    green = _definition(2, {"name": "our green", "extensions": {TLP2_EXTENSION: {
        "extension_type": "property-extension", "tlp_2_0": "green"}}})
    statement = _definition(3, {"definition_type": "statement", "definition": {"statement": "Copyright X"}})
    marked = {name: indicator(n, object_marking_refs=[ref]) for n, (name, ref) in enumerate(
        [("red", red["id"]), ("green", green["id"]), ("statement", statement["id"]),
         ("unheld", sid("marking-definition", 9))], start=10)}
    url = hub.collection_url("hub") + "objects/"
    posted = session("be-hub").post(url, json={"objects": [red, green, statement, *marked.values()]})
    assert posted.status_code == 202 and posted.json()["failure_count"] == 0, posted.text
    for account in ("fr-hub", "be-hub", "charite"):
        s = session(account)
        ids, _ = read_all(s, url)
        for name, obj in marked.items():
            assert (obj["id"] in ids) == (name == "green"), (account, name)
        assert s.get(url + marked["red"]["id"] + "/").status_code == 404


def test_pages_are_filled_and_cursors_reveal_nothing(hub):
    """Finding 4: with limit=1 no empty page says more; the cursor is opaque, bound to its account,
    and forged or tampered ones are refused with 400 on objects, manifest and versions."""
    hub.store.add([indicator(n, tlp="GREEN" if n % 3 else "RED") for n in range(1, 10)], collection="hub")
    shareable = [indicator(n)["id"] for n in range(1, 10) if n % 3]
    url = hub.collection_url("hub")
    fr = session("fr-hub")
    ids, envelopes = read_all(fr, url + "objects/", limit="1")
    assert ids == shareable
    assert all(e.get("objects") for e in envelopes), "an empty page"
    assert not any(e.get("more") for e in envelopes if not e.get("objects"))
    manifest_ids, _ = read_all(fr, url + "manifest/", limit="1")
    assert manifest_ids == shareable
    cursor = envelopes[0]["next"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert stixtime.now()[:4].encode() not in raw, "the cursor shows its position"
    with pytest.raises(ValueError):
        decode_cursor(cursor)  # not the store's plain keyset position
    forged = base64.urlsafe_b64encode(f"{T0}|{2**64}".encode()).decode()
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    versions_url = url + f"objects/{shareable[0]}/versions/"
    for target in (url + "objects/", url + "manifest/", versions_url):
        for bad in (forged, tampered, "%%%", "x" * 5000):
            answer = fr.get(target, params={"next": bad, "limit": "1"})
            assert answer.status_code == 400, (target, bad, answer.status_code)
    assert session("be-hub").get(url + "objects/", params={"next": cursor}).status_code == 400


@pytest.mark.parametrize("account", ["fr-hub", "charite"])
def test_two_hops_and_re_marking(hub, account):
    """Finding 5: a GREEN report listing a GREEN relationship to a RED indicator is withheld; an object
    re-marked RED has none of its versions served, by match[version]=all or /versions/."""
    red = indicator(1, tlp="RED")
    rel = relationship(1, indicator(2)["id"], red["id"], tlp="GREEN")
    report = {"type": "report", "spec_version": "2.1", "id": sid("report", 1), "created": T0, "modified": T0,
              "name": "campaign", "published": T0, "object_refs": [rel["id"]],
              "object_marking_refs": [TLP2_IDS["GREEN"]]}
    later = "2024-06-01T00:00:00.000Z"
    hub.store.add([red, indicator(2, tlp="GREEN"), rel, report, indicator(3, tlp="GREEN")], collection="hub")
    hub.store.add([indicator(3, tlp="RED", modified=later)], collection="hub")
    url = hub.collection_url("hub") + "objects/"
    s = session(account)
    ids, _ = read_all(s, url)
    assert report["id"] not in ids and rel["id"] not in ids and indicator(2)["id"] in ids
    every, _ = read_all(s, url, **{"match[version]": "all"})
    assert indicator(3)["id"] not in every
    assert s.get(url + indicator(3)["id"] + "/versions/").status_code == 404
    assert s.get(url + indicator(3)["id"] + "/", params={"match[version]": T0}).status_code == 404


def test_envelopes_count_an_unreadable_marking_as_red():
    from cybershield.exchange.envelope import payload_tlp

    assert payload_tlp([indicator(1, object_marking_refs=[sid("marking-definition", 9)])]) == "RED"
    assert payload_tlp([indicator(1, tlp="GREEN")]) == "GREEN"
