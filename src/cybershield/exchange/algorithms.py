"""The algorithms of hub keys and envelopes, by the names envelopes carry (so that a hub can rotate them).

Every primitive comes from ``cryptography`` (>= 50: ML-DSA, FIPS 204; ML-KEM, FIPS 203). Two families with
one shape each: signature schemes (Ed25519, ML-DSA-65) and key-encapsulation mechanisms (X25519 as a KEM
with an ephemeral key, ML-KEM-768). A new algorithm is one more entry in ``SIGNATURES`` or ``KEMS``.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
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
DEFAULT_ALGORITHMS = DEFAULT_SIGNATURES + DEFAULT_KEMS


@dataclass(frozen=True)
class Algorithm:
    """One algorithm by the name envelopes carry: its ``cryptography`` key classes, private keys kept raw or as seed."""

    name: str
    private: Any
    public: Any
    seeded: bool = False

    def generate(self) -> Any:
        return self.private.generate()

    def load_private(self, raw: bytes) -> Any:
        return self.private.from_seed_bytes(raw) if self.seeded else self.private.from_private_bytes(raw)

    def load_public(self, raw: bytes) -> Any:
        return self.public.from_public_bytes(raw)


@dataclass(frozen=True)
class SignatureScheme(Algorithm):
    """A signature scheme; ``context`` separates uses (envelopes, key endorsements). ML-DSA takes it as its
    FIPS 204 context string; Ed25519 (``cryptography`` has no Ed25519ctx) as a prefix and a zero byte."""

    native_context: bool = False

    def _message(self, data: bytes, context: bytes) -> tuple[bytes, ...]:
        return (data, context) if self.native_context else (context + b"\x00" + data,)

    def sign(self, key: Any, data: bytes, context: bytes) -> bytes:
        return key.sign(*self._message(data, context))

    def verify(self, key: Any, signature: bytes, data: bytes, context: bytes) -> bool:
        try:
            key.verify(signature, *self._message(data, context))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Kem(Algorithm):
    """A key-encapsulation mechanism: ``encapsulate`` -> (shared secret, ciphertext)."""

    def encapsulate(self, key: Any) -> tuple[bytes, bytes]:
        return key.encapsulate()

    def decapsulate(self, key: Any, ciphertext: bytes) -> bytes:
        return key.decapsulate(ciphertext)


class EphemeralDh(Kem):
    """Diffie-Hellman as a KEM: the ciphertext is a fresh ephemeral public key."""

    def encapsulate(self, key: Any) -> tuple[bytes, bytes]:
        ephemeral = self.private.generate()
        return ephemeral.exchange(key), ephemeral.public_key().public_bytes_raw()

    def decapsulate(self, key: Any, ciphertext: bytes) -> bytes:
        return key.exchange(self.public.from_public_bytes(ciphertext))


Ed25519 = SignatureScheme("Ed25519", ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)
MLDSA65 = SignatureScheme("ML-DSA-65", mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey, seeded=True, native_context=True)
X25519 = EphemeralDh("X25519", x25519.X25519PrivateKey, x25519.X25519PublicKey)
MLKEM768 = Kem("ML-KEM-768", mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey, seeded=True)

SIGNATURES = {scheme.name: scheme for scheme in (Ed25519, MLDSA65)}
KEMS = {kem.name: kem for kem in (X25519, MLKEM768)}
ALGORITHMS: dict[str, Algorithm] = {**SIGNATURES, **KEMS}


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
