"""The ML-DSA-65 and ML-KEM-768 of ``cryptography`` against the independent pure-Python dilithium-py and kyber-py.

These implementations are slow, so each check is a handful of operations.
"""

from __future__ import annotations

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from dilithium_py.ml_dsa import ML_DSA_65
from kyber_py.ml_kem import ML_KEM_768

from cybershield.exchange import stix_bundle
from cybershield.exchange.algorithms import canonical, unb64
from cybershield.exchange.envelope import SIGNATURE_CONTEXT, _key_wrapping_key

from .hubs import indicators, network, sealer


@pytest.fixture(scope="module")
def ml_dsa_key():
    key = mldsa.MLDSA65PrivateKey.generate()
    public, private = ML_DSA_65.key_derive(key.private_bytes_raw())
    return key, public, private


def test_ml_dsa_65_keys_from_one_seed_agree(ml_dsa_key):
    key, public, _ = ml_dsa_key
    assert key.public_key().public_bytes_raw() == public and len(public) == 1952


def test_ml_dsa_65_signatures_verify_across_implementations(ml_dsa_key):
    key, public, private = ml_dsa_key
    message, context = b"indicator batch 17", b"cybershield-test"
    signature = key.sign(message, context)
    assert ML_DSA_65.verify(public, message, signature, ctx=context)
    assert not ML_DSA_65.verify(public, message + b"!", signature, ctx=context)
    assert not ML_DSA_65.verify(public, message, signature, ctx=b"another context")
    theirs = ML_DSA_65.sign(private, message, ctx=context)
    key.public_key().verify(theirs, message, context)  # raises InvalidSignature if it does not verify


def test_an_envelope_s_ml_dsa_half_verifies_with_dilithium_py():
    hubs, _ = network("de-hub", "fr-hub")
    data = sealer(hubs, "de-hub").seal(stix_bundle(indicators(3)), ["fr-hub"])
    document = orjson.loads(data)
    header = {k: v for k, v in document.items() if k not in ("payload", "ciphertext", "signatures", "key_update")}
    public = hubs["de-hub"].current.public.keys["ML-DSA-65"]
    signature = unb64(document["signatures"]["ML-DSA-65"])
    assert ML_DSA_65.verify(public, canonical(header), signature, ctx=SIGNATURE_CONTEXT)
    header["recipients"] = ["fr-hub", "it-hub"]
    assert not ML_DSA_65.verify(public, canonical(header), signature, ctx=SIGNATURE_CONTEXT)


def test_ml_kem_768_agrees_both_ways():
    key = mlkem.MLKEM768PrivateKey.generate()
    encapsulation_key, decapsulation_key = ML_KEM_768.key_derive(key.private_bytes_raw())
    assert key.public_key().public_bytes_raw() == encapsulation_key and len(encapsulation_key) == 1184
    # kyber-py encapsulates to cryptography's public key; cryptography decapsulates to the same secret
    secret, ciphertext = ML_KEM_768.encaps(key.public_key().public_bytes_raw())
    assert key.decapsulate(ciphertext) == secret
    # and the other way round
    secret, ciphertext = key.public_key().encapsulate()
    assert ML_KEM_768.decaps(decapsulation_key, ciphertext) == secret
    damaged = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    assert ML_KEM_768.decaps(decapsulation_key, damaged) != secret  # implicit rejection: another secret
    assert key.decapsulate(damaged) == ML_KEM_768.decaps(decapsulation_key, damaged)  # ... the same one in both


def test_an_envelope_s_ml_kem_half_decapsulates_with_kyber_py():
    """fr-hub opens its copy of an AMBER envelope with kyber-py's ML-KEM-768 for the post-quantum half."""
    hubs, _ = network("de-hub", "fr-hub")
    objects = indicators(3, "AMBER")
    document = orjson.loads(sealer(hubs, "de-hub").seal(stix_bundle(objects), ["fr-hub"]))
    entry = document["encryption"]["recipients"][0]
    fr = hubs["fr-hub"].current
    _, decapsulation_key = ML_KEM_768.key_derive(fr.keys["ML-KEM-768"].private_bytes_raw())
    shared = [fr.decapsulate("X25519", unb64(entry["encapsulations"]["X25519"])),
              ML_KEM_768.decaps(decapsulation_key, unb64(entry["encapsulations"]["ML-KEM-768"]))]
    wrapped = unb64(entry["wrapped_key"])
    content_key = AESGCM(_key_wrapping_key(shared, document, entry)).decrypt(wrapped[:12], wrapped[12:], None)
    plain = AESGCM(content_key).decrypt(unb64(document["encryption"]["iv"]), unb64(document["ciphertext"]),
                                        document["id"].encode())
    assert orjson.loads(plain)["objects"] == objects
