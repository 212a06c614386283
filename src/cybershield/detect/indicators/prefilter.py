"""Which events a complex STIX pattern could possibly match, decided vectorised, so that only those
reach ``stix2-matcher`` (which then decides exactly).

For a pattern that is one observation of ANDed comparisons, every comparison is a necessary
condition: its property must be present, and for ``=``, ``IN`` and ``LIKE`` on a text property the
event value must satisfy it (the same raw value the matcher will see). Any other pattern needs only
one of its object types present. The filter may let through events that do not match, never the
reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .columns import DistinctColumns
from .observations import TYPE_COLUMNS
from .patterns import blank_literals

_DOMAINS = TYPE_COLUMNS["domain-name"]
#: (object type, property path) -> the event columns holding that text as the matcher sees it.
TEXT_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("domain-name", "value"): _DOMAINS,
    ("url", "value"): ("url.original",),
    ("ipv4-addr", "value"): ("source.ip", "destination.ip"),
    ("ipv6-addr", "value"): ("source.ip", "destination.ip"),
    ("network-traffic", "src_ref.value"): ("source.ip",),
    ("network-traffic", "dst_ref.value"): ("destination.ip",),
    ("file", "name"): ("file.name",),
    ("file", "hashes.MD5"): ("file.hash.md5",),
    ("file", "hashes.SHA-1"): ("file.hash.sha1",),
    ("file", "hashes.SHA-256"): ("file.hash.sha256",),
    ("process", "command_line"): ("process.command_line",),
    ("windows-registry-key", "key"): ("registry.path",),
    ("user-account", "user_id"): ("user.name",),
    ("email-message", "subject"): ("email.subject",),
    ("x-ja3", "value"): ("tls.client.ja3",),
    ("x-ja3s", "value"): ("tls.server.ja3s",),
}
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _texts(raw: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", m) for m in _LITERAL.findall(raw)]


def _like(pattern: str) -> str:
    """SQL LIKE (``%``, ``_``) as an anchored regular expression, every other character literal."""
    parts = [".*" if c == "%" else "." if c == "_" else (c if c.isalnum() else f"\\x{{{ord(c):x}}}")
             for c in pattern]
    return "(?s)^" + "".join(parts) + "$"


Condition = Callable[[DistinctColumns], np.ndarray]


def _condition(columns: tuple[str, ...], op: str, raw: str) -> Condition:
    """Rows where some column satisfies the comparison (or, where we cannot test it, has a value);
    tested on each column's distinct values."""
    values = _texts(raw)

    def test(batch: DistinctColumns) -> np.ndarray:
        mask = np.zeros(batch.batch.num_rows, bool)
        for name in columns:
            distinct = batch.get(name)
            if distinct is None:
                continue
            if op == "=" and len(values) == 1:
                hit = pc.equal(distinct.values, pa.scalar(values[0], pa.string()))
            elif op == "IN" and values:
                hit = pc.is_in(distinct.values, value_set=pa.array(values, pa.string()))
            elif op == "LIKE" and len(values) == 1:
                hit = pl.from_arrow(distinct.values).str.contains(_like(values[0])).to_arrow()
            else:
                hit = pa.array(np.ones(len(distinct.values), bool))
            mask |= distinct.mask(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
        return mask

    return test


def compile_prefilter(pattern: str, comparisons: dict[str, list[tuple[list[str], str, str]]]) -> list[Condition]:
    """Necessary conditions, all to hold (empty: only the pattern's types must be present)."""
    stripped = blank_literals(pattern)
    if stripped.count("[") != 1 or re.search(r"\bOR\b", stripped):
        return []
    conditions = []
    for kind, items in comparisons.items():
        for path, op, raw in items:
            columns = TEXT_COLUMNS.get((kind, ".".join(path)))
            if columns is not None:
                conditions.append(_condition(columns, op, raw))
    return conditions


def candidates(batch: DistinctColumns, types: frozenset[str], conditions: list[Condition]) -> list[int]:
    """Row positions that may match: one of the types present, and every condition true."""
    mask = np.zeros(batch.batch.num_rows, bool)
    for name in sorted({c for t in types for c in TYPE_COLUMNS.get(t, ())}):
        if name in batch.batch.column_names:
            mask |= pc.is_valid(batch.batch.column(name)).to_numpy(zero_copy_only=False)
    for condition in conditions:
        if not mask.any():
            break
        mask &= condition(batch)
    return np.flatnonzero(mask).tolist()
