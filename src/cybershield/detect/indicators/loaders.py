"""Indicators from files: STIX 2.1 bundles, MISP event JSON and indicator CSV.

Every file becomes STIX 2.1 indicator dicts (what the intel store hands the detector too). A file
that cannot be read at all (too big, not JSON, unknown layout) gives one rejection naming the file;
a bad CSV row gives one rejection naming its line; the other files and rows still load.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from ...intel import MispFormatError, misp_to_stix
from .compiled import Rejection

#: Files larger than this are refused unless the caller raises the limit.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_NS = uuid.UUID("0b7e4bd5-5b0d-4c4e-8f5e-9a1c31d3c0de")
_HASH_PATHS = {"md5": "file:hashes.MD5", "sha1": "file:hashes.'SHA-1'", "sha256": "file:hashes.'SHA-256'"}
#: CSV ``type`` (our names and MISP's attribute types) -> STIX object path.
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


class IndicatorFileError(ValueError):
    """A whole file could not be read as indicators."""


def stix_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def csv_pattern(kind: str, value: str) -> str:
    path = CSV_TYPES[kind]
    if path == "ip":
        path = "ipv6-addr:value" if ":" in value else "ipv4-addr:value"
    return f"[{path} = {stix_literal(value)}]"


def _read(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise IndicatorFileError(f"{path}: {size} bytes, over the limit of {max_bytes}")
    return path.read_bytes()


def read_csv(text: str, source: str) -> tuple[list[dict], list[Rejection]]:
    """Rows ``type,value[,id,valid_until,name,confidence,labels]`` -> indicators; labels are
    ``;``-separated (ATT&CK ids among them are kept as techniques)."""
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if not {"type", "value"} <= fields:
        raise IndicatorFileError(f"{source}: CSV needs a header with type and value columns")
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    indicators, rejections = [], []
    try:
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            kind, value = row.get("type", "").lower(), row.get("value", "")
            if kind not in CSV_TYPES:
                rejections.append(Rejection(None, f"{source}:{line}: unknown type {kind[:40]!r}"))
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
        rejections.append(Rejection(None, f"{source}:{reader.line_num}: CSV error, rest of file skipped: {exc}"))
    return indicators, rejections


def read_json(data: bytes, source: str) -> list[dict]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise IndicatorFileError(f"{source}: not JSON: {exc}") from None
    if isinstance(doc, list) and all(isinstance(o, dict) and "type" in o for o in doc):
        return doc
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects") or []
        if not isinstance(objects, list):
            raise IndicatorFileError(f"{source}: bundle objects is not a list")
        return objects
    if isinstance(doc, dict) and doc.get("type") == "indicator":
        return [doc]
    if isinstance(doc, dict | list):
        try:
            return misp_to_stix(doc).objects
        except MispFormatError as exc:
            raise IndicatorFileError(f"{source}: neither a STIX bundle nor MISP event JSON ({exc})") from None
    raise IndicatorFileError(f"{source}: neither a STIX bundle nor MISP event JSON")


def load_indicator_files(paths: Iterable[str | Path], *, max_bytes: int | None = None
                         ) -> tuple[list[dict], list[Rejection]]:
    """STIX objects and the rejections of all the files (a file's suffix .csv means CSV, else JSON)."""
    objects: list[dict] = []
    rejections: list[Rejection] = []
    for path in map(Path, paths):
        try:
            data = _read(path, max_bytes or DEFAULT_MAX_BYTES)
            if path.suffix.lower() == ".csv":
                found, bad = read_csv(data.decode("utf-8-sig", errors="replace"), str(path))
                objects += found
                rejections += bad
            else:
                objects += read_json(data, str(path))
        except (IndicatorFileError, OSError) as exc:
            rejections.append(Rejection(None, str(exc)))
    return objects, rejections
