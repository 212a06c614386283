"""Envelopes: round trips (signed; encrypted to several recipients), every rejection reason, rotation, replay stores."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from cybershield.exchange import (
    EnvelopePolicy,
    EnvelopeReceiver,
    EnvelopeRejected,
    EnvelopeSealer,
    HubKeys,
    KeyBundle,
    Keyring,
    KeyStore,
    MemoryReplayStore,
    Rejection,
    SqlReplayStore,
    stix_bundle,
)
from cybershield.exchange.algorithms import b64, canonical, unb64
from cybershield.exchange.envelope import SIGNATURE_CONTEXT
from cybershield.exchange.keys import PrivateKeys
from cybershield.storage import open_database

from .hubs import hub, indicators, network, receiver, sealer, with_expiry

HUBS = ("de-hub", "fr-hub", "it-hub", "pl-hub")


@pytest.fixture(scope="module")
def hubs() -> dict[str, HubKeys]:
    return network(*HUBS)[0]


def edit(data: bytes, change) -> bytes:
    document = orjson.loads(data)
    change(document)
    return orjson.dumps(document)


def rejected(receiver: EnvelopeReceiver, data: bytes, reason: Rejection, **options) -> EnvelopeRejected:
    before = receiver.rejected[reason.value]
    with pytest.raises(EnvelopeRejected) as caught:
        receiver.open(data, **options)
    assert caught.value.reason is reason, caught.value
    assert receiver.rejected[reason.value] == before + 1
    return caught.value


def test_a_signed_batch_round_trips_and_carries_its_algorithms(hubs):
    objects = indicators(25, "GREEN")
    data = sealer(hubs, "de-hub").seal(stix_bundle(objects), ["fr-hub"])
    document = orjson.loads(data)
    assert document["algorithms"]["signature"] == ["Ed25519", "ML-DSA-65"] and set(document["signatures"]) == {"Ed25519", "ML-DSA-65"}
    assert document["tlp"] == "GREEN" and "ciphertext" not in document and "kem" not in document["algorithms"]
    opened = receiver(hubs, "fr-hub").open(data)
    assert opened.sender == "de-hub" and opened.recipients == ("fr-hub",) and not opened.encrypted
    assert opened.objects == objects and opened.content_type.startswith("application/stix+json")
    assert opened.key_id == hubs["de-hub"].current.key_id


def test_amber_is_encrypted_to_each_recipient(hubs):
    objects = indicators(40, "AMBER+STRICT")
    data = sealer(hubs, "de-hub").seal(stix_bundle(objects), ["fr-hub", "it-hub", "pl-hub"])
    assert b"198.51." not in data and b"C2 server" not in data
    document = orjson.loads(data)
    assert document["tlp"] == "AMBER+STRICT" and document["algorithms"]["kem"] == ["X25519", "ML-KEM-768"]
    assert [r["hub"] for r in document["encryption"]["recipients"]] == ["fr-hub", "it-hub", "pl-hub"]
    for name in ("fr-hub", "it-hub", "pl-hub"):
        opened = receiver(hubs, name).open(data)
        assert opened.encrypted and opened.objects == objects and opened.tlp == "AMBER+STRICT"
    rejected(receiver(hubs, "de-hub"), data, Rejection.NOT_A_RECIPIENT)


def test_sign_batches_many_objects_per_envelope(hubs):
    objects = indicators(2500, "AMBER")
    envelopes = sealer(hubs, "de-hub").seal_objects(objects, ["fr-hub"], batch_size=1000)
    assert len(envelopes) == 3
    fr = receiver(hubs, "fr-hub")
    assert [o for data in envelopes for o in fr.open(data).objects] == objects
    assert fr.counts() == {"accepted": 3, "rejected": {}}


def test_any_json_payload_and_an_explicit_tlp(hubs):
    payload = {"warning": "early", "countries": ["DE", "FR"], "score": 0.93}
    data = sealer(hubs, "fr-hub").seal(payload, ["de-hub"], tlp="AMBER", envelope_id="envelope--outbox-17")
    opened = receiver(hubs, "de-hub").open(data)
    assert opened.payload == payload and opened.encrypted and opened.id == "envelope--outbox-17"
    assert opened.content_type == "application/json" and opened.objects == []


def test_sealing_refuses_what_it_cannot_seal(hubs):
    seal = sealer(hubs, "de-hub").seal
    for payload, recipients, options, message in [
        ({"a": 1}, [], {}, "recipient"), ({"a": 1}, ["xx-hub"], {"tlp": "AMBER"}, "xx-hub"),
        ({"a": {1, 2}}, ["fr-hub"], {}, "not JSON"), ({"a": 1}, ["fr-hub"], {"tlp": "PURPLE"}, "TLP"),
    ]:
        with pytest.raises(ValueError, match=message):
            seal(payload, recipients, **options)


def test_rejections_are_logged_and_counted(hubs, caplog):
    fr = receiver(hubs, "fr-hub")
    with caplog.at_level(logging.WARNING, logger="cybershield.exchange.envelope"):
        rejected(fr, b"{", Rejection.MALFORMED)
    assert "malformed" in caplog.text
    assert fr.counts() == {"accepted": 0, "rejected": {"malformed": 1}}


def test_oversize_before_parsing(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(50)), ["fr-hub"])
    small = receiver(hubs, "fr-hub", policy=EnvelopePolicy(max_bytes=len(data) - 1))
    rejected(small, data, Rejection.OVERSIZE)
    rejected(small, b"x" * len(data), Rejection.OVERSIZE)


@pytest.mark.parametrize("change", [
    lambda d: d.clear(),
    lambda d: d.update(format="cybershield-envelope/0"),
    lambda d: d.update(recipients="fr-hub"),
    lambda d: d.update(recipients=[]),
    lambda d: d.update(recipients=[7]),
    lambda d: d.update(sender=None),
    lambda d: d.pop("key_id"),
    lambda d: d.update(tlp="YELLOW"),
    lambda d: d.update(created="yesterday"),
    lambda d: d.update(nonce="%%%"),
    lambda d: d.update(algorithms=["Ed25519"]),
    lambda d: d["algorithms"].update(signature=[{"name": "Ed25519"}]),
    lambda d: d.update(signatures={"Ed25519": "not base64!", "ML-DSA-65": "AAAA"}),
    lambda d: d.update(signatures=None),
    lambda d: d.update(ciphertext="AAAA"),
    lambda d: d.pop("digest"),
], ids=["empty", "format", "recipients-str", "recipients-empty", "recipients-int", "sender", "key-id", "tlp", "created",
        "nonce", "algorithms", "algorithm-object", "signature-b64", "signatures", "payload-and-ciphertext", "digest"])
def test_malformed(hubs, change):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3)), ["fr-hub"])
    assert rejected(receiver(hubs, "fr-hub"), edit(data, change), Rejection.MALFORMED).detail


def test_malformed_key_update(hubs):
    unknown_key = hub("de-hub")  # de-hub's key as fr-hub does not know it: the key update is read, and is damaged
    data = sealer({**hubs, "de-hub": unknown_key}, "de-hub").seal({"a": 1}, ["fr-hub"])
    for update in ({"public_keys": 5}, {"public_keys": {"Ed25519": "AAAA"}, "key_id": "x"}, []):
        rejected(receiver(hubs, "fr-hub"), edit(data, lambda d, u=update: d.update(key_update=u)), Rejection.MALFORMED)


@pytest.mark.parametrize("data", [b"", b"[]", b"null", b'"envelope"', b"\xff\xfe", b'{"format": 1}', b"1e999999"])
def test_malformed_bytes(hubs, data):
    rejected(receiver(hubs, "fr-hub"), data, Rejection.MALFORMED)


def test_random_damage_is_always_a_rejection_never_a_traceback(hubs):
    fr = receiver(hubs, "fr-hub")
    clear = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3)), ["fr-hub"])
    amber = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3, "AMBER")), ["fr-hub"])
    rng = random.Random(9)
    for data in (clear, amber):
        for _ in range(150):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                fr.open(bytes(damaged))
            except EnvelopeRejected as rejection:
                assert rejection.reason in Rejection
    assert sum(fr.rejected.values()) + fr.accepted == 300 and fr.accepted <= 2  # damage in white space is harmless


def test_unsupported_algorithm(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    rejected(receiver(hubs, "fr-hub"), edit(data, lambda d: d["algorithms"]["signature"].append("SLH-DSA-128s")),
             Rejection.UNSUPPORTED)
    rejected(receiver(hubs, "fr-hub"), edit(data, lambda d: d["algorithms"].update(digest="MD5")), Rejection.UNSUPPORTED)


def test_downgrade_fewer_signature_algorithms(hubs):
    classical = hub("de-hub", algorithms=("Ed25519", "X25519", "ML-KEM-768"))
    others = {**hubs, "de-hub": classical}
    data = sealer(others, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    assert orjson.loads(data)["algorithms"]["signature"] == ["Ed25519"]
    rejection = rejected(receiver(others, "fr-hub"), data, Rejection.DOWNGRADE)
    assert "ML-DSA-65" in rejection.detail
    # and the strip done on the wire to a hybrid envelope
    hybrid = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    stripped = edit(hybrid, lambda d: (d["algorithms"].update(signature=["Ed25519"]), d["signatures"].pop("ML-DSA-65")))
    rejected(receiver(hubs, "fr-hub"), stripped, Rejection.DOWNGRADE)


def test_downgrade_fewer_kem_algorithms_or_amber_in_clear(hubs):
    x25519_only = sealer(hubs, "de-hub", policy=EnvelopePolicy(kems=("X25519",)))
    rejected(receiver(hubs, "fr-hub"), x25519_only.seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"]), Rejection.DOWNGRADE)
    careless = sealer(hubs, "de-hub", policy=EnvelopePolicy(encrypt_from="RED"))
    rejected(receiver(hubs, "fr-hub"), careless.seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"]), Rejection.DOWNGRADE)
    lying = careless.seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"], tlp="GREEN")  # declared GREEN, holds AMBER
    rejection = rejected(receiver(hubs, "fr-hub"), lying, Rejection.DOWNGRADE)
    assert "TLP:AMBER objects" in rejection.detail


def test_unknown_sender_and_forged_sender(hubs):
    stranger = {**hubs, "xx-hub": hub("xx-hub")}
    data = sealer(stranger, "xx-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    rejected(receiver(hubs, "fr-hub"), data, Rejection.UNKNOWN_SENDER)
    # a forger who makes its own keys and claims de-hub and its key id: the signatures do not verify
    forger = HubKeys(hubs["de-hub"].identity, (PrivateKeys.generate("de-hub"),))
    forged = EnvelopeSealer(forger, Keyring(h.bundle() for h in hubs.values())).seal(stix_bundle(indicators(2)), ["fr-hub"])
    forged = edit(forged, lambda d: d.update(key_id=hubs["de-hub"].current.key_id))
    rejection = rejected(receiver(hubs, "fr-hub"), forged, Rejection.BAD_SIGNATURE)
    assert "invalid" in rejection.detail
    rejected(receiver(hubs, "fr-hub"), sealer({**hubs, "de-hub": forger}, "de-hub").seal({"a": 1}, ["fr-hub"]),
             Rejection.UNKNOWN_KEY)


def test_not_a_recipient(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["it-hub"])
    rejected(receiver(hubs, "fr-hub"), data, Rejection.NOT_A_RECIPIENT)


def test_stale_and_future(hubs):
    seal = sealer(hubs, "de-hub").seal
    now = datetime.now(UTC)
    fr = receiver(hubs, "fr-hub", policy=EnvelopePolicy(skew=timedelta(minutes=2)))
    rejected(fr, seal({"a": 1}, ["fr-hub"], now=now - timedelta(minutes=3)), Rejection.STALE)
    rejected(fr, seal({"a": 1}, ["fr-hub"], now=now + timedelta(minutes=3)), Rejection.FUTURE)
    assert fr.open(seal({"a": 1}, ["fr-hub"], now=now - timedelta(minutes=1))).payload == {"a": 1}


@pytest.mark.parametrize(("change", "which"), [
    (lambda d: d["signatures"].pop("ML-DSA-65"), "ML-DSA-65 signature missing"),
    (lambda d: d["signatures"].pop("Ed25519"), "Ed25519 signature missing"),
    (lambda d: d["signatures"].update({"ML-DSA-65": b64(bytes(3309))}), "ML-DSA-65 signature invalid"),
    (lambda d: d["signatures"].update({"Ed25519": b64(bytes(64))}), "Ed25519 signature invalid"),
    (lambda d: d.update(tlp="CLEAR"), "Ed25519 signature invalid"),
    (lambda d: d.update(recipients=["fr-hub", "it-hub"]), "Ed25519 signature invalid"),
    (lambda d: d.update(digest=b64(bytes(32))), "Ed25519 signature invalid"),
])
def test_bad_signature_says_which_half(hubs, change, which):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    assert rejected(receiver(hubs, "fr-hub"), edit(data, change), Rejection.BAD_SIGNATURE).detail == which


def test_only_the_ml_dsa_half_bad(hubs):
    """A signature from another ML-DSA key beside a good Ed25519 one: both halves must verify."""
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    other = sealer(hubs, "it-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    swapped = edit(data, lambda d: d["signatures"].update({"ML-DSA-65": orjson.loads(other)["signatures"]["ML-DSA-65"]}))
    assert rejected(receiver(hubs, "fr-hub"), swapped, Rejection.BAD_SIGNATURE).detail == "ML-DSA-65 signature invalid"


def test_tampered_payload_and_ciphertext(hubs):
    clear = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3)), ["fr-hub"])
    changed = edit(clear, lambda d: d["payload"]["objects"][1].update(pattern="[ipv4-addr:value = '8.8.8.8']"))
    rejected(receiver(hubs, "fr-hub"), changed, Rejection.TAMPERED)
    dropped = edit(clear, lambda d: d["payload"]["objects"].pop())
    rejected(receiver(hubs, "fr-hub"), dropped, Rejection.TAMPERED)
    amber = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3, "AMBER")), ["fr-hub"])

    def flip(document):
        ciphertext = bytearray(unb64(document["ciphertext"]))
        ciphertext[10] ^= 1
        document["ciphertext"] = b64(bytes(ciphertext))
    rejected(receiver(hubs, "fr-hub"), edit(amber, flip), Rejection.TAMPERED)


def test_replayed(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub", "it-hub"])
    fr = receiver(hubs, "fr-hub")
    fr.open(data)
    rejected(fr, data, Rejection.REPLAYED)
    assert receiver(hubs, "it-hub").open(data).sender == "de-hub"  # each hub has its own replay store
    again = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"], envelope_id=orjson.loads(data)["id"])
    assert fr.open(again).id == orjson.loads(data)["id"]  # resealed by an outbox: fresh nonce, same id


def test_undecryptable_when_the_recipient_no_longer_holds_the_key(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"])
    lost = {**hubs, "fr-hub": HubKeys(hubs["fr-hub"].identity, (PrivateKeys.generate("fr-hub"),))}
    fr = EnvelopeReceiver(lost["fr-hub"], Keyring(h.bundle() for h in hubs.values()))
    assert "does not hold" in rejected(fr, data, Rejection.UNDECRYPTABLE).detail


def test_expired_key(hubs):
    now = datetime.now(UTC)
    old = with_expiry(hubs["de-hub"], now - timedelta(minutes=1))
    data = EnvelopeSealer(old, Keyring(h.bundle() for h in hubs.values())).seal({"a": 1}, ["fr-hub"])
    fr = EnvelopeReceiver(hubs["fr-hub"], Keyring(h.bundle() for h in {**hubs, "de-hub": old}.values()))
    rejected(fr, data, Rejection.EXPIRED_KEY)


def test_rotation_reaches_peers_without_a_gap(tmp_path):
    store = KeyStore(tmp_path / "de")
    de_before = store.init(hub("de-hub").identity, "pass")
    fr, it = hub("fr-hub"), hub("it-hub")
    fr_ring = Keyring([de_before.bundle(), fr.bundle()], path=tmp_path / "fr-keyring.json")
    fr_in = EnvelopeReceiver(fr, fr_ring)
    in_flight = EnvelopeSealer(de_before, Keyring([fr.bundle()])).seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"])
    de = store.rotate(timedelta(hours=1), "pass")
    # fr-hub has not seen de-hub's new bundle: the envelope carries the endorsed new key and is accepted
    first = EnvelopeSealer(de, Keyring([fr.bundle()])).seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub"])
    assert "key_update" in orjson.loads(first)
    assert fr_in.open(first).key_id == de.current.key_id
    saved = Keyring.load(tmp_path / "fr-keyring.json")
    assert saved.key("de-hub", de.current.key_id) is not None
    assert saved.key("de-hub", de_before.current.key_id).expires == de.generations[0].public.expires  # learnt too
    assert fr_in.open(in_flight).key_id == de_before.current.key_id  # sealed before the rotation, still valid
    # a peer still encrypting to de-hub's previous key: de-hub holds both generations and decrypts
    to_old = EnvelopeSealer(fr, Keyring([de_before.bundle()])).seal(stix_bundle(indicators(2, "AMBER")), ["de-hub"])
    assert EnvelopeReceiver(de, Keyring([fr.bundle()])).open(to_old).objects
    # an endorsement by a key the receiver does not know is refused
    it_in = EnvelopeReceiver(it, Keyring([KeyBundle(de.identity, (hub("de-hub").current.public,)), fr.bundle()]))
    rejected(it_in, EnvelopeSealer(de, Keyring([it.bundle()])).seal({"a": 1}, ["it-hub"]), Rejection.BAD_SIGNATURE)
    # after the overlap the previous key no longer signs
    later = datetime.now(UTC) + timedelta(hours=2)
    old_only = EnvelopeSealer(HubKeys(de.identity, de.generations[:1]), Keyring([fr.bundle()]))
    rejected(EnvelopeReceiver(fr, fr_ring), old_only.seal({"a": 1}, ["fr-hub"], now=later), Rejection.EXPIRED_KEY,
             now=later)


def test_replay_stores(db_url):
    sessions = open_database(db_url)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    for first, second in ((MemoryReplayStore(), None), (SqlReplayStore(sessions), SqlReplayStore(sessions))):
        second = second or first
        assert first.remember("de-hub", "n1", soon) is True
        assert second.remember("de-hub", "n1", soon) is False  # another worker on the same database
        assert second.remember("fr-hub", "n1", soon) is True
        past = datetime.now(UTC) - timedelta(seconds=1)
        assert first.remember("de-hub", "n2", past) is True
    pruning = SqlReplayStore(sessions, prune_every=0)
    assert pruning.remember("de-hub", "n2", soon) is True  # the expired row was pruned first
    memory = MemoryReplayStore()
    memory.remember("de-hub", "n3", datetime.now(UTC) - timedelta(seconds=1))
    assert memory.remember("de-hub", "n3", soon) is True and len(memory) == 1


def test_receiver_with_the_sql_replay_store(hubs, tmp_path):
    sessions = open_database(f"sqlite:///{tmp_path / 'hub.db'}")
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2)), ["fr-hub"])
    assert receiver(hubs, "fr-hub", replay=SqlReplayStore(sessions)).open(data)
    rejected(receiver(hubs, "fr-hub", replay=SqlReplayStore(sessions)), data, Rejection.REPLAYED)  # after a restart


def resign(data: bytes, keys: HubKeys, change) -> bytes:
    """``data`` changed by ``change`` and signed again with ``keys``: what an authentic but faulty sender sends."""
    document = orjson.loads(data)
    change(document)
    header = {k: v for k, v in document.items() if k not in ("payload", "ciphertext", "signatures", "key_update")}
    signatures = keys.current.sign(canonical(header), SIGNATURE_CONTEXT)
    document["signatures"] = {name: b64(s) for name, s in signatures.items()}
    return orjson.dumps(document)


def test_authentic_but_faulty_encryption(hubs):
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(2, "AMBER")), ["fr-hub", "it-hub"])
    assert receiver(hubs, "fr-hub").open(resign(data, hubs["de-hub"], lambda d: None)).objects  # the helper is faithful
    no_entry = resign(data, hubs["de-hub"], lambda d: d["encryption"]["recipients"].pop(0))
    assert "no content key" in rejected(receiver(hubs, "fr-hub"), no_entry, Rejection.NOT_A_RECIPIENT).detail
    swapped = resign(data, hubs["de-hub"], lambda d: d["encryption"]["recipients"][0].update(
        wrapped_key=d["encryption"]["recipients"][1]["wrapped_key"]))
    rejected(receiver(hubs, "fr-hub"), swapped, Rejection.UNDECRYPTABLE)
    short = resign(data, hubs["de-hub"], lambda d: d["encryption"]["recipients"][0]["encapsulations"].update({"ML-KEM-768": "AAAA"}))
    rejected(receiver(hubs, "fr-hub"), short, Rejection.UNDECRYPTABLE)


def test_a_forged_key_update_is_refused(tmp_path):
    store = KeyStore(tmp_path / "de")
    before = store.init(hub("de-hub").identity, "pass")
    fr = hub("fr-hub")
    after = store.rotate(timedelta(hours=1), "pass")
    genuine = EnvelopeSealer(after, Keyring([fr.bundle()])).seal({"a": 1}, ["fr-hub"])

    def damage(document):
        signature = bytearray(unb64(document["key_update"]["endorsed_by"]["signatures"]["ML-DSA-65"]))
        signature[100] ^= 1
        document["key_update"]["endorsed_by"]["signatures"]["ML-DSA-65"] = b64(bytes(signature))
    fr_in = EnvelopeReceiver(fr, Keyring([before.bundle()]))
    detail = rejected(fr_in, edit(genuine, damage), Rejection.BAD_SIGNATURE).detail
    assert "endorsement" in detail and "ML-DSA-65 signature invalid" in detail
    # a key update that claims a longer life for the old key than it endorsed
    longer = edit(genuine, lambda d: d["key_update"]["endorsed_by"].update(expires="2099-01-01T00:00:00.000000Z"))
    rejected(fr_in, longer, Rejection.BAD_SIGNATURE)
    assert fr_in.keyring.key("de-hub", after.current.key_id) is None  # nothing forged joined the keyring
    assert fr_in.open(genuine).key_id == after.current.key_id
