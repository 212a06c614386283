"""The algorithms of hub keys and envelopes, by the names envelopes carry (so that a hub can rotate them).

Every primitive comes from ``cryptography`` (>= 50: ML-DSA, FIPS 204; ML-KEM, FIPS 203). Two families with
one shape each: signature schemes (Ed25519, ML-DSA-65) and key-encapsulation mechanisms (X25519 as a KEM
with an ephemeral key, ML-KEM-768). A new algorithm is one more entry in ``SIGNATURES`` or ``KEMS``.
"""

from __future__ import annotations

import binascii
import hashlib
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem, x25519

#: The hybrid pairs every hub uses by default; a receiver's policy asks for all of them.
DEFAULT_SIGNATURES = ("Ed25519", "ML-DSA-65")
DEFAULT_KEMS = ("X25519", "ML-KEM-768")
KDF = "HKDF-SHA256"
AEAD = "AES-256-GCM"
DIGEST = "SHA-256"


class Ed25519:
    """EdDSA over Curve25519 (RFC 8032); the context is a prefix of the message (``cryptography`` has no Ed25519ctx)."""

    name = "Ed25519"
    generate = staticmethod(ed25519.Ed25519PrivateKey.generate)
    load_private = staticmethod(ed25519.Ed25519PrivateKey.from_private_bytes)
    load_public = staticmethod(ed25519.Ed25519PublicKey.from_public_bytes)

    @staticmethod
    def sign(key: ed25519.Ed25519PrivateKey, data: bytes, context: bytes) -> bytes:
        return key.sign(context + b"\x00" + data)

    @staticmethod
    def verify(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes, context: bytes) -> bool:
        try:
            key.verify(signature, context + b"\x00" + data)
        except InvalidSignature:
            return False
        return True


class MLDSA65:
    """ML-DSA-65 (FIPS 204, hedged), with the FIPS 204 context string; private keys are kept as their 32-byte seed."""

    name = "ML-DSA-65"
    generate = staticmethod(mldsa.MLDSA65PrivateKey.generate)
    load_private = staticmethod(mldsa.MLDSA65PrivateKey.from_seed_bytes)
    load_public = staticmethod(mldsa.MLDSA65PublicKey.from_public_bytes)

    @staticmethod
    def sign(key: mldsa.MLDSA65PrivateKey, data: bytes, context: bytes) -> bytes:
        return key.sign(data, context)

    @staticmethod
    def verify(key: mldsa.MLDSA65PublicKey, signature: bytes, data: bytes, context: bytes) -> bool:
        try:
            key.verify(signature, data, context)
        except InvalidSignature:
            return False
        return True


class X25519:
    """X25519 (RFC 7748) as a KEM: the ciphertext is a fresh ephemeral public key."""

    name = "X25519"
    generate = staticmethod(x25519.X25519PrivateKey.generate)
    load_private = staticmethod(x25519.X25519PrivateKey.from_private_bytes)
    load_public = staticmethod(x25519.X25519PublicKey.from_public_bytes)

    @staticmethod
    def encapsulate(key: x25519.X25519PublicKey) -> tuple[bytes, bytes]:
        ephemeral = x25519.X25519PrivateKey.generate()
        return ephemeral.exchange(key), ephemeral.public_key().public_bytes_raw()

    @staticmethod
    def decapsulate(key: x25519.X25519PrivateKey, ciphertext: bytes) -> bytes:
        return key.exchange(x25519.X25519PublicKey.from_public_bytes(ciphertext))


class MLKEM768:
    """ML-KEM-768 (FIPS 203); private keys are kept as their 64-byte seed."""

    name = "ML-KEM-768"
    generate = staticmethod(mlkem.MLKEM768PrivateKey.generate)
    load_private = staticmethod(mlkem.MLKEM768PrivateKey.from_seed_bytes)
    load_public = staticmethod(mlkem.MLKEM768PublicKey.from_public_bytes)

    @staticmethod
    def encapsulate(key: mlkem.MLKEM768PublicKey) -> tuple[bytes, bytes]:
        return key.encapsulate()

    @staticmethod
    def decapsulate(key: mlkem.MLKEM768PrivateKey, ciphertext: bytes) -> bytes:
        return key.decapsulate(ciphertext)


SIGNATURES = {scheme.name: scheme for scheme in (Ed25519, MLDSA65)}
KEMS = {kem.name: kem for kem in (X25519, MLKEM768)}
ALGORITHMS: dict[str, Any] = {**SIGNATURES, **KEMS}


def b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def unb64(text: Any) -> bytes:
    """Strict standard base64; ValueError for anything else (wrong type, bad alphabet, bad padding)."""
    if not isinstance(text, str):
        raise ValueError(f"expected a base64 string, got {type(text).__name__}")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"bad base64: {error}") from None


def canonical(document: Any) -> bytes:
    """The one encoding that is signed and hashed: compact JSON, keys sorted, UTF-8 (orjson)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
