"""Indicator values: how each kind (ip, domain, url, md5, sha1, sha256, email, ja3, ja3s, ja4) is checked
and normalised. One set of rules for imports (CSV, MISP) and for detection, which reads them from here.
"""

from __future__ import annotations

import ipaddress
import re

MAX_VALUE_LENGTH = 8192
_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "ja3": 32, "ja3s": 32}
_HEX = re.compile(r"[0-9a-f]+")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
_JA4 = re.compile(r"[tqd]\d{2}[di][0-9a-z]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}")
_DOTTED = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^#]*)")


def normalise(kind: str, value: object) -> str | tuple[int, int, int]:
    """The canonical form of one indicator value; ``ValueError`` says why it is unusable."""
    if not isinstance(value, str):
        raise ValueError(f"{kind} value is {type(value).__name__}, not text")
    value = value.strip()
    if not value:
        raise ValueError(f"empty {kind} value")
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"{kind} value of {len(value)} characters (limit {MAX_VALUE_LENGTH})")
    if kind == "ip":
        return normalise_ip(value)
    if kind == "domain":
        return normalise_domain(value)
    if kind == "url":
        if not _URL.match(value):
            raise ValueError(f"bad URL {value[:80]!r}: no scheme://host")
        return value  # normalised in bulk by the index (normalise_urls)
    value = value.lower()
    if kind in _HEX_LENGTH:
        if len(value) != _HEX_LENGTH[kind] or not _HEX.fullmatch(value):
            raise ValueError(f"bad {kind} {value[:80]!r}: want {_HEX_LENGTH[kind]} hex digits")
        return value
    if kind == "email":
        if not _EMAIL.fullmatch(value):
            raise ValueError(f"bad email address {value[:80]!r}")
        return value
    if kind == "ja4":
        if not _JA4.fullmatch(value):
            raise ValueError(f"bad JA4 fingerprint {value[:80]!r}")
        return value
    raise ValueError(f"unknown indicator kind {kind!r}")


def normalise_ip(value: str) -> tuple[int, int, int]:
    """An address or CIDR block -> (IP version, network number, prefix length)."""
    try:
        if _DOTTED.fullmatch(value):  # the common case, without building a network object
            return 4, int(ipaddress.IPv4Address(value)), 32
        net = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValueError(f"bad IP address or CIDR {value[:80]!r}: {exc}") from None
    return net.version, int(net.network_address), net.prefixlen


def normalise_domain(value: str) -> str:
    name = value.strip().lower().rstrip(".")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"bad domain {value[:80]!r}: {exc}") from None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"bad domain {value[:80]!r}")
    if len(labels) < 2:
        raise ValueError(f"single-label domain {value[:80]!r} would match a whole top-level domain")
    return name
