"""Indicator value kinds: how each is validated and normalised, on both sides of a match.

Indicator values are checked one by one (``normalise``) and raise ``ValueError`` with the reason;
event values are normalised in bulk with Polars expressions (``normalise_events``). Both sides go
through the same expression where the rule is textual (URLs), so that they can never disagree.
"""

from __future__ import annotations

import ipaddress
import re

import polars as pl

#: kind -> the ECS event columns it is matched against.
FIELDS: dict[str, tuple[str, ...]] = {
    "ip": ("source.ip", "destination.ip"),
    "domain": ("dns.question.name", "url.domain", "tls.client.server_name"),
    "url": ("url.original",),
    "md5": ("file.hash.md5",),
    "sha1": ("file.hash.sha1",),
    "sha256": ("file.hash.sha256",),
    "email": ("email.from.address", "email.to.address"),
    "ja3": ("tls.client.ja3",),
    "ja3s": ("tls.server.ja3s",),
    "ja4": ("tls.client.ja4", "zeek.ssl.ja4", "suricata.tls.ja4"),
}
KINDS = tuple(FIELDS)

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


def ip_text(key: tuple[int, int, int]) -> str:
    version, number, length = key
    text = str(ipaddress.IPv4Address(number) if version == 4 else ipaddress.IPv6Address(number))
    return text if length == (32 if version == 4 else 128) else f"{text}/{length}"


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


def normalise_urls(urls: pl.Series) -> pl.Series:
    """Lower-case scheme and host, drop the default port and the fragment, '/' for an empty path."""
    parts = urls.str.extract_groups(_URL.pattern)
    frame = pl.DataFrame({"u": urls, "p": parts}).unnest("p")
    scheme = pl.col("1").str.to_lowercase()
    host = pl.col("2").str.to_lowercase()
    host = (pl.when((scheme == "http") & host.str.ends_with(":80")).then(host.str.strip_suffix(":80"))
            .when((scheme == "https") & host.str.ends_with(":443")).then(host.str.strip_suffix(":443"))
            .otherwise(host))
    rest = pl.when(pl.col("3").str.starts_with("/")).then(pl.col("3")).otherwise(pl.lit("/") + pl.col("3"))
    out = frame.select(pl.when(pl.col("1").is_null()).then(pl.col("u"))
                       .otherwise(scheme + "://" + host + rest).alias("u"))
    return out.to_series()


def normalise_events(kind: str, values: pl.Series) -> pl.Series:
    """Event values of one kind, in the form indicator values are stored (nulls stay null)."""
    if kind == "url":
        return normalise_urls(values)
    if kind == "domain":
        return values.str.to_lowercase().str.strip_suffix(".")
    if kind == "ip":
        return values
    return values.str.strip_chars().str.to_lowercase()
