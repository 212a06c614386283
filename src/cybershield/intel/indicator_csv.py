"""Indicator CSV (``type,value[,id,valid_until,name,confidence,labels]``) -> STIX 2.1 indicators.

``type`` takes our short names and MISP's attribute types for the same things; ``labels`` is
``;``-separated (ATT&CK ids there become the alerts' techniques). Each value is checked with the rules
detection applies (:mod:`.values`): a bad address, an empty or single-label domain, a hash of the
wrong length. A row that cannot be used gives a problem line naming the file, line and reason; the
other rows still load.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from ..errors import CybershieldError
from .values import normalise

_NS = uuid.UUID("0b7e4bd5-5b0d-4c4e-8f5e-9a1c31d3c0de")
_HASH_PATHS = {"md5": "file:hashes.MD5", "sha1": "file:hashes.'SHA-1'", "sha256": "file:hashes.'SHA-256'"}
#: CSV ``type`` -> STIX object path ("ip": IPv4 or IPv6 by the value).
CSV_TYPES: dict[str, str] = {
    **{t: "ip" for t in ("ip", "ipv4", "ipv6", "cidr", "ip-src", "ip-dst", "ipv4-addr", "ipv6-addr")},
    **{t: "domain-name:value" for t in ("domain", "hostname", "domain-name", "fqdn")},
    **{t: "url:value" for t in ("url", "uri", "link")},
    **{t: _HASH_PATHS["md5"] for t in ("md5", "file:md5")},
    **{t: _HASH_PATHS["sha1"] for t in ("sha1", "sha-1")},
    **{t: _HASH_PATHS["sha256"] for t in ("sha256", "sha-256")},
    **{t: "email-addr:value" for t in ("email", "email-src", "email-dst", "email-addr")},
    **{t: "x-ja3:value" for t in ("ja3", "ja3-fingerprint-md5")},
    **{t: "x-ja3s:value" for t in ("ja3s", "ja3s-fingerprint-md5")},
    **{t: "x-ja4:value" for t in ("ja4", "ja4+", "ja4-fingerprint")},
}

#: STIX object path -> the value kind whose rules check it.
VALUE_KINDS = {"ip": "ip", "domain-name:value": "domain", "url:value": "url", _HASH_PATHS["md5"]: "md5",
               _HASH_PATHS["sha1"]: "sha1", _HASH_PATHS["sha256"]: "sha256", "email-addr:value": "email",
               "x-ja3:value": "ja3", "x-ja3s:value": "ja3s", "x-ja4:value": "ja4"}


class IndicatorCsvError(CybershieldError, ValueError):
    """The text is not an indicator CSV at all (no type,value header)."""


def stix_literal(value: str) -> str:
    """A STIX pattern string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def csv_pattern(kind: str, value: str) -> str:
    path = CSV_TYPES[kind]
    if path == "ip":
        path = "ipv6-addr:value" if ":" in value else "ipv4-addr:value"
    return f"[{path} = {stix_literal(value)}]"


def read_indicator_csv(text: str, source: str, stamp: datetime | None = None) -> tuple[list[dict], list[str]]:
    """The indicators of a CSV text, and a problem line per row that could not be used. ``stamp`` (say
    the file's modification time; default now) dates them, so that reading an unchanged file again
    gives the same versions."""
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if not {"type", "value"} <= fields:
        raise IndicatorCsvError(f"{source}: CSV needs a header with type and value columns")
    now = (stamp or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    indicators, problems = [], []
    try:
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            kind, value = row.get("type", "").lower(), row.get("value", "")
            if kind not in CSV_TYPES:
                problems.append(f"{source}:{line}: unknown type {kind[:40]!r}")
                continue
            try:
                normalise(VALUE_KINDS[CSV_TYPES[kind]], value)
            except ValueError as exc:
                problems.append(f"{source}:{line}: {exc}")
                continue
            ident = row.get("id") or f"indicator--{uuid.uuid5(_NS, kind + ':' + value)}"
            obj = {"type": "indicator", "spec_version": "2.1", "id": ident, "created": now, "modified": now,
                   "pattern": csv_pattern(kind, value), "pattern_type": "stix", "valid_from": now,
                   "name": row.get("name") or f"{kind} {value[:100]}"}
            if row.get("valid_until"):
                obj["valid_until"] = row["valid_until"]
            if row.get("confidence", "").isdigit():
                obj["confidence"] = int(row["confidence"])
            if row.get("labels"):
                obj["labels"] = [x.strip() for x in row["labels"].split(";") if x.strip()]
            indicators.append(obj)
    except csv.Error as exc:
        problems.append(f"{source}:{reader.line_num}: CSV error, rest of file skipped: {exc}")
    return indicators, problems
