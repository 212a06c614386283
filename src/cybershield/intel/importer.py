"""Importing intelligence files into the store: each file's kind is detected, then read by that kind's reader.

``READERS`` is the dispatch table: ``(kind, recognises(source), read(source))``, tried in order.
A reader turns a file into STIX 2.1 objects, plus a line for each part it could not use (a bad
CSV row, a MISP attribute with no STIX form), which is reported as rejected; the store validates
and keeps the objects.

Every file is judged alone: one that cannot be read (corrupt gzip, over the size limit, a reader
failing on hostile content) is reported with its reason and the other files still land. A file (or
its gzip content, decompressed as a stream) larger than ``max_bytes`` (:data:`MAX_IMPORT_BYTES` by
default) is refused before it is parsed, so a gzip bomb costs at most that much memory.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from .indicator_csv import IndicatorCsvError, read_indicator_csv
from .misp import MispFormatError, misp_to_stix
from .store import DEFAULT_COLLECTION, AddResult, IntelStore, ObjectStatus

log = logging.getLogger(__name__)
#: The largest file, or decompressed gzip content, an import reads and parses.
MAX_IMPORT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One input file: its path, raw bytes (gunzipped) and, when it is JSON, the parsed document."""

    path: Path
    raw: bytes
    data: object = None
    json_error: str | None = None

    @classmethod
    def read(cls, path: Path, max_bytes: int = MAX_IMPORT_BYTES) -> Source:
        """The file's content, gunzipped; ValueError when it is over ``max_bytes`` or a corrupt gzip."""
        with path.open("rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"
            handle.seek(0)
            try:
                raw = (gzip.GzipFile(fileobj=handle) if gzipped else handle).read(max_bytes + 1)
            except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
                raise ValueError(f"corrupt gzip: {exc}") from None
        if len(raw) > max_bytes:
            raise ValueError(f"{'decompressed ' if gzipped else ''}content over the limit of {max_bytes} bytes")
        try:
            return cls(path, raw, orjson.loads(raw))
        except orjson.JSONDecodeError as exc:
            return cls(path, raw, None, str(exc))


def _is_bundle(source: Source) -> bool:
    data = source.data
    return isinstance(data, dict) and isinstance(data.get("objects"), list) and data.get("type", "bundle") == "bundle"


def _is_stix_object(source: Source) -> bool:
    data = source.data
    return isinstance(data, dict) and isinstance(data.get("type"), str) and isinstance(data.get("id"), str) \
        and data["type"] != "bundle"


def _is_object_list(source: Source) -> bool:
    return isinstance(source.data, list) and all(isinstance(o, dict) and "type" in o for o in source.data[:10])


def _is_misp(source: Source) -> bool:
    data = source.data
    if isinstance(data, dict) and isinstance(data.get("response"), list):
        data = data["response"]
    first = data[0] if isinstance(data, list) and data else data
    return isinstance(first, dict) and isinstance(first.get("Event"), dict)


def _is_indicator_csv(source: Source) -> bool:
    header = source.raw[:4096].split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    return source.data is None and {"type", "value"} <= {name.strip() for name in header.split(",")}


def _misp(source: Source) -> tuple[list, list[str]]:
    conversion = misp_to_stix(source.data)
    return conversion.objects, conversion.rejected + [
        f"MISP attribute type {kind!r} has no STIX form ({count} attributes)"
        for kind, count in sorted(conversion.skipped.items())]


def _csv(source: Source) -> tuple[list, list[str]]:
    stamp = datetime.fromtimestamp(source.path.stat().st_mtime, UTC)
    return read_indicator_csv(source.raw.decode("utf-8-sig", "replace"), str(source.path), stamp)


Reader = tuple[str, Callable[[Source], bool], Callable[[Source], tuple[Iterable[object], list[str]]]]

#: Kinds of input, tried in order (MISP event JSON, STIX bundle or TAXII envelope, one STIX object,
#: a JSON list of STIX objects, indicator CSV with ``type`` and ``value`` columns).
READERS: list[Reader] = [
    ("misp-event", _is_misp, _misp),
    ("stix-bundle", _is_bundle, lambda s: (s.data["objects"], [])),
    ("stix-object", _is_stix_object, lambda s: ([s.data], [])),
    ("stix-list", _is_object_list, lambda s: (s.data, [])),
    ("indicator-csv", _is_indicator_csv, _csv),
]


@dataclass
class FileImport:
    """What importing one file did: its kind and per-object result, or why it could not be read at all."""

    path: Path
    kind: str | None
    result: AddResult = field(default_factory=AddResult)
    error: str | None = None

    def as_dict(self) -> dict:
        return {"file": str(self.path), "kind": self.kind, "error": self.error, **dict(self.result.counts),
                "rejected_objects": [{"index": s.index, "id": s.id, "reasons": list(s.reasons)}
                                     for s in self.result.rejected]}


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """The files under ``paths`` (folders walked recursively, hidden files skipped), in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def import_file(store: IntelStore, path: Path, *, collection: str = DEFAULT_COLLECTION,
                on_progress: Callable[[int], None] | None = None, max_bytes: int = MAX_IMPORT_BYTES) -> FileImport:
    """Detect the file's kind and store its objects; a file nothing recognises or can read is reported
    with the reason, never dropped, and never stops the files after it."""
    try:
        source = Source.read(path, max_bytes)
    except (OSError, ValueError) as exc:
        return FileImport(path, None, error=f"cannot read: {exc}")
    for kind, recognises, read in READERS:
        if recognises(source):
            try:
                objects, problems = read(source)
            except (MispFormatError, IndicatorCsvError) as exc:
                return FileImport(path, kind, error=str(exc))
            except Exception as exc:  # a reader tripped over hostile content: this file fails, not the import
                log.warning("%s: the %s reader failed", path, kind, exc_info=True)
                return FileImport(path, kind, error=f"cannot read as {kind}: {type(exc).__name__}: {exc}"[:500])
            result = store.add(objects, collection=collection, on_progress=on_progress)
            result.statuses += [ObjectStatus(-1, None, None, "rejected", (problem,)) for problem in problems]
            return FileImport(path, kind, result)
    reason = f"not JSON ({source.json_error})" if source.json_error else "no known intelligence format"
    return FileImport(path, None, error=f"{reason}; known kinds: {', '.join(k for k, _, _ in READERS)}")
