"""TLS key-exchange groups (the IANA "TLS Supported Groups" registry) and how post-quantum they are.

Sources:
* IANA, Transport Layer Security (TLS) Parameters, "TLS Supported Groups" (RFC 8422, RFC 7919, RFC 8446).
* draft-ietf-tls-ecdhe-mlkem (hybrid ECDHE-MLKEM for TLS 1.3): X25519MLKEM768 0x11EC,
  SecP256r1MLKEM768 0x11EB, SecP384r1MLKEM1024 0x11ED; draft-ietf-tls-mlkem (pure ML-KEM): MLKEM512
  0x0200, MLKEM768 0x0201, MLKEM1024 0x0202; ML-KEM itself is NIST FIPS 203.
* draft-tls-westerbaan-xyber768d00: X25519Kyber768Draft00 0x6399 (pre-standard Kyber, obsolete).
* NIST SP 800-57 Part 1 Rev. 5 / SP 800-131A Rev. 2: curves under 224 bits give less than 112 bits of
  classical security and are disallowed.

Zeek's ``ssl.log`` names the group in ``curve`` ("x25519", "secp256r1", "X25519MLKEM768", or
"unknown-4588" for a code point it has no name for); OpenSSL and others use aliases (prime256v1, P-256).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .status import BROKEN, HYBRID, PQ, UNKNOWN, VULNERABLE


@dataclass(frozen=True)
class Group:
    code: int
    name: str
    status: str
    reason: str

    @property
    def code_point(self) -> str:
        return f"0x{self.code:04x}"


_SMALL = "elliptic curve under 224 bits (< 112-bit classical security, NIST SP 800-131A)"
_ECDH = "elliptic-curve Diffie-Hellman alone (Shor's algorithm breaks it)"
_FFDH = "finite-field Diffie-Hellman alone (Shor's algorithm breaks it)"
_HYBRID = "hybrid ECDHE + ML-KEM (FIPS 203, draft-ietf-tls-ecdhe-mlkem)"
_PURE = "ML-KEM alone (FIPS 203, draft-ietf-tls-mlkem)"
_KYBER = "hybrid with pre-standard Kyber (draft X25519Kyber768Draft00, obsolete: move to X25519MLKEM768)"

_TABLE: list[tuple[int, str, str, str]] = [
    *[(code, name, BROKEN, _SMALL) for code, name in enumerate(
        ["sect163k1", "sect163r1", "sect163r2", "sect193r1", "sect193r2"], start=1)],
    *[(code, name, VULNERABLE, _ECDH) for code, name in enumerate(
        ["sect233k1", "sect233r1", "sect239k1", "sect283k1", "sect283r1", "sect409k1", "sect409r1",
         "sect571k1", "sect571r1"], start=6)],
    *[(code, name, BROKEN, _SMALL) for code, name in enumerate(
        ["secp160k1", "secp160r1", "secp160r2", "secp192k1", "secp192r1"], start=15)],
    *[(code, name, VULNERABLE, _ECDH) for code, name in enumerate(
        ["secp224k1", "secp224r1", "secp256k1", "secp256r1", "secp384r1", "secp521r1", "brainpoolP256r1",
         "brainpoolP384r1", "brainpoolP512r1", "x25519", "x448", "brainpoolP256r1tls13", "brainpoolP384r1tls13",
         "brainpoolP512r1tls13"], start=20)],
    *[(code, name, VULNERABLE, _FFDH) for code, name in enumerate(
        ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"], start=0x0100)],
    (0x0200, "MLKEM512", PQ, _PURE),
    (0x0201, "MLKEM768", PQ, _PURE),
    (0x0202, "MLKEM1024", PQ, _PURE),
    (0x11EB, "SecP256r1MLKEM768", HYBRID, _HYBRID),
    (0x11EC, "X25519MLKEM768", HYBRID, _HYBRID),
    (0x11ED, "SecP384r1MLKEM1024", HYBRID, _HYBRID),
    (0x6399, "X25519Kyber768Draft00", HYBRID, _KYBER),
    (0x639A, "SecP256r1Kyber768Draft00", HYBRID, _KYBER),
    (0xFF01, "arbitrary_explicit_prime_curves", BROKEN, "explicit curve parameters (deprecated by RFC 8422)"),
    (0xFF02, "arbitrary_explicit_char2_curves", BROKEN, "explicit curve parameters (deprecated by RFC 8422)"),
]

GROUPS: dict[int, Group] = {code: Group(code, name, status, reason) for code, name, status, reason in _TABLE}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_NAME: dict[str, Group] = {_key(g.name): g for g in GROUPS.values()}
#: Names other tools use for the same groups (OpenSSL, NIST, Wireshark).
_ALIASES = {"prime256v1": 0x17, "p256": 0x17, "nistp256": 0x17, "p384": 0x18, "nistp384": 0x18, "p521": 0x19,
            "nistp521": 0x19, "prime192v1": 0x13, "curve25519": 0x1D, "curve448": 0x1E, "x25519mlkem768": 0x11EC,
            "x25519kyber768": 0x6399, "x25519kyber768draft00": 0x6399, "p256mlkem768": 0x11EB,
            "p384mlkem1024": 0x11ED, "secp256r1mlkem768": 0x11EB, "secp384r1mlkem1024": 0x11ED}
_BY_NAME.update({alias: GROUPS[code] for alias, code in _ALIASES.items()})
_NUMBER = re.compile(r"^(?:unknown-|0x)?([0-9a-f]+)$", re.IGNORECASE)


def lookup(text: str | None) -> Group:
    """The group a log names (by name, alias, ``unknown-<n>`` or a code point), or an ``unknown`` one."""
    if text is None or not text.strip():
        return Group(-1, "", UNKNOWN, "key-exchange group not logged")
    found = _BY_NAME.get(_key(text))
    if found:
        return found
    number = _NUMBER.match(text.strip())
    if number:
        raw = number.group(1)
        code = int(raw, 16) if text.lower().startswith("0x") else int(raw) if raw.isdigit() else int(raw, 16)
        if code in GROUPS:
            return GROUPS[code]
        return Group(code, text, UNKNOWN, f"group code point 0x{code:04x} is not in the IANA registry table")
    lowered = _key(text)
    if "mlkem" in lowered or "kyber" in lowered:  # a name this table does not list yet, by its parts
        hybrid = any(part in lowered for part in ("x25519", "x448", "secp", "p256", "p384", "p521"))
        return Group(-1, text, HYBRID if hybrid else PQ, f"{'hybrid ' if hybrid else ''}ML-KEM group by name")
    return Group(-1, text, UNKNOWN, f"group {text!r} is not in the IANA registry table")
