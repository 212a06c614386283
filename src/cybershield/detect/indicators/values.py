"""Indicator value kinds: how each is validated and normalised, on both sides of a match.

Indicator values are checked one by one (``normalise``, the intel package's rules, which imports
apply too) and raise ``ValueError`` with the reason;
event values are normalised in bulk with Polars expressions (``normalise_events``). Both sides go
through the same expression where the rule is textual (URLs), so that they can never disagree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...intel.values import MAX_VALUE_LENGTH, normalise, normalise_domain, normalise_ip

__all__ = ["FIELDS", "MAX_VALUE_LENGTH", "domain_suffixes", "ip_text", "normalise", "normalise_domain",
           "normalise_events", "normalise_ip", "normalise_urls"]

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

def ip_text(key: tuple[int, int, int]) -> str:
    version, number, length = key
    text = str(ipaddress.IPv4Address(number) if version == 4 else ipaddress.IPv6Address(number))
    return text if length == (32 if version == 4 else 128) else f"{text}/{length}"


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def normalise_urls(urls: pa.Array) -> pa.Array:
    """Lower-case scheme and host, drop the default port and the fragment, '/' for an empty path;
    text that is not scheme://host… stays as it is (Arrow kernels, RE2)."""
    urls = urls.cast(pa.large_string())
    parts = pc.extract_regex(urls, r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<host>[^/?#]*)(?P<rest>[^#]*)")
    scheme = pc.utf8_lower(pc.struct_field(parts, "scheme"))
    host = pc.utf8_lower(pc.struct_field(parts, "host"))
    for name, port in (("http", ":80"), ("https", ":443")):
        default = pc.and_(pc.equal(scheme, name), pc.ends_with(host, port))
        host = pc.if_else(default, pc.utf8_slice_codeunits(host, 0, -len(port)), host)
    rest = pc.struct_field(parts, "rest")
    rest = pc.if_else(pc.starts_with(rest, "/"), rest, pc.binary_join_element_wise(_text("/"), rest, _text("")))
    joined = pc.binary_join_element_wise(scheme, _text("://"), host, rest, _text(""))
    return pc.if_else(pc.is_valid(parts), joined, urls)


def normalise_events(kind: str, values: pa.Array) -> pa.Array:
    """Event values of one kind, in the form indicator values are stored (nulls stay null)."""
    if kind == "url":
        return normalise_urls(values)
    if kind == "domain":
        return pc.utf8_rtrim(pc.utf8_lower(values), characters=".")
    if kind == "ip":
        return values
    return pc.utf8_lower(pc.utf8_trim_whitespace(values))


def domain_suffixes(names: pa.Array, label_counts: Sequence[int]) -> tuple[np.ndarray, pa.Array]:
    """For each name and each n in ``label_counts``, its last n labels when it has that many, as
    (position of the name, suffix) — cut from the Arrow buffers, with no loop over the names."""
    names = names.cast(pa.large_string())
    count = len(names)
    offsets = np.frombuffer(names.buffers()[1], np.int64)[names.offset:names.offset + count + 1]
    data = np.frombuffer(names.buffers()[2], np.uint8) if names.buffers()[2] else np.zeros(0, np.uint8)
    start, stop = offsets[:-1], offsets[1:]
    if count == 0 or stop[-1] == start[0]:
        return np.zeros(0, np.int64), pa.array([], pa.large_string())
    dots = np.flatnonzero(data[start[0]:stop[-1]] == 46) + start[0]
    per_row = np.bincount(np.searchsorted(stop, dots, side="right"), minlength=count)[:count]
    first = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    labels = per_row + 1
    rows, begins = [], []
    for n in label_counts:
        picked = np.flatnonzero(labels >= n)
        skip = labels[picked] - n
        after_dot = dots[np.maximum(first[picked] + skip - 1, 0)] + 1 if len(dots) else start[picked]
        rows.append(picked)
        begins.append(np.where(skip == 0, start[picked], after_dot))
    row, begin = np.concatenate(rows), np.concatenate(begins)
    lengths = stop[row] - begin
    new_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    gather = np.repeat(begin - new_offsets[:-1], lengths) + np.arange(new_offsets[-1])
    suffixes = pa.LargeStringArray.from_buffers(len(row), pa.py_buffer(new_offsets), pa.py_buffer(data[gather]))
    return row, suffixes
