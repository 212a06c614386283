"""Reading intelligence files (the one reader, for ``intel import`` and ``detect --indicators``) and
importing them into the store.

:func:`read_intel_file` reads a file (gzip transparently, at most ``MAX_FILE_BYTES``), detects its kind
and reads it with that kind's reader. ``READERS`` is the dispatch table: ``(kind, recognises(source),
read(source))``, tried in order. A reader turns a file into STIX 2.1 objects, plus a line for each part
it could not use (a bad CSV row, a MISP attribute with no STIX form), which is reported as rejected; a
file that cannot be read at all raises :class:`IntelFileError` naming it. :func:`import_file` stores
what a file holds; the store validates and keeps the objects.

Every file is judged alone: one that cannot be read (corrupt gzip, over the size limit, a reader failing
on hostile content) is reported with its reason and the other files still land. A file, or its gzip
content decompressed as a stream, larger than ``max_bytes`` (:data:`MAX_FILE_BYTES` by default) is
refused before it is parsed, so a gzip bomb costs at most that much memory.
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from ..errors import CybershieldError
from .indicator_csv import IndicatorCsvError, read_indicator_csv
from .misp import MispFormatError, misp_to_stix
from .store import DEFAULT_COLLECTION, AddResult, IntelStore, ObjectStatus

log = logging.getLogger(__name__)
#: Files, or decompressed gzip content, larger than this are refused (an import, a detector's indicator file).
MAX_FILE_BYTES = 256 * 1024 * 1024


class IntelFileError(CybershieldError, ValueError):
    """A whole file could not be read as intelligence: the message names the file, ``reason`` says why."""

    def __init__(self, path: Path, kind: str | None, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.kind, self.reason = path, kind, reason


@dataclass(frozen=True)
class Source:
    """One input file: its path, raw bytes (gunzipped) and, when it is JSON, the parsed document."""

    path: Path
    raw: bytes
    data: object = None
    json_error: str | None = None

    @classmethod
    def read(cls, path: Path, max_bytes: int = MAX_FILE_BYTES) -> Source:
        """The file's content, gunzipped as a stream; :class:`IntelFileError` when it is over ``max_bytes``
        (compressed or not) or a corrupt gzip."""
        with path.open("rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"
            handle.seek(0)
            try:
                raw = (gzip.GzipFile(fileobj=handle) if gzipped else handle).read(max_bytes + 1)
            except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
                raise IntelFileError(path, None, f"corrupt gzip: {exc}") from None
        if len(raw) > max_bytes:
            raise IntelFileError(path, None, f"{'decompressed ' if gzipped else ''}content over the limit of "
                                             f"{max_bytes} bytes")
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
    """A CSV with type and value columns, or any file named .csv that is not JSON (its reader says why not)."""
    header = source.raw[:4096].split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    named = source.path.suffix.lower() == ".csv" or source.path.name.lower().endswith(".csv.gz")
    return source.data is None and (named or {"type", "value"} <= {name.strip() for name in header.split(",")})


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


_OBJECT_ID = re.compile(r"^[a-z0-9-]+--[0-9a-fA-F-]{36}: ")
_ATTRIBUTES = re.compile(r" \((\d+) attributes\)$")


def rejections_by_reason(reports: Iterable[FileImport]) -> Counter[str]:
    """How many objects (or MISP attributes) were rejected for each reason, across files, ids left out."""
    counts: Counter[str] = Counter()
    for report in reports:
        for status in report.result.rejected:
            reason = _OBJECT_ID.sub("", status.reasons[0]) if status.reasons else "rejected"
            attributes = _ATTRIBUTES.search(reason)
            counts[_ATTRIBUTES.sub("", reason)] += int(attributes.group(1)) if attributes else 1
    return counts


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """The files under ``paths`` (folders walked recursively, hidden files skipped), in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


@dataclass
class IntelFile:
    """What one file holds: its kind, its STIX objects and a line per part no STIX object could carry."""

    path: Path
    kind: str
    objects: list
    problems: list[str]


def read_intel_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> IntelFile:
    """Read ``path`` with the first reader that recognises it; :class:`IntelFileError` when nothing can."""
    try:
        source = Source.read(path, max_bytes)
    except OSError as exc:
        raise IntelFileError(path, None, f"cannot read: {exc}") from None
    for kind, recognises, read in READERS:
        if recognises(source):
            try:
                objects, problems = read(source)
            except (MispFormatError, IndicatorCsvError) as exc:
                raise IntelFileError(path, kind, str(exc)) from None
            except Exception as exc:  # a reader tripped over hostile content: this file fails, not the others
                log.warning("%s: the %s reader failed", path, kind, exc_info=True)
                raise IntelFileError(path, kind, f"cannot read as {kind}: {type(exc).__name__}: {exc}"[:500]) from None
            return IntelFile(path, kind, list(objects), problems)
    reason = f"not JSON ({source.json_error})" if source.json_error else \
        "no known intelligence format: neither a STIX bundle nor MISP event JSON nor indicator CSV"
    raise IntelFileError(path, None, f"{reason}; known kinds: {', '.join(k for k, _, _ in READERS)}")


def import_file(store: IntelStore, path: Path, *, collection: str = DEFAULT_COLLECTION,
                on_progress: Callable[[int], None] | None = None, max_bytes: int = MAX_FILE_BYTES) -> FileImport:
    """Detect the file's kind and store its objects; a file nothing recognises or can read is reported with
    the reason, never dropped, and never stops the files after it."""
    try:
        found = read_intel_file(path, max_bytes=max_bytes)
    except IntelFileError as exc:
        log.warning("not imported: %s", exc)
        return FileImport(path, exc.kind, error=exc.reason)
    result = store.add(found.objects, collection=collection, on_progress=on_progress)
    result.statuses += [ObjectStatus(-1, None, None, "rejected", (problem,)) for problem in found.problems]
    log.info("imported %s (%s) into %s: %s", path, found.kind, collection, dict(result.counts))
    for problem in found.problems:  # the validator's rejections are logged by intel.validation
        log.info("rejected from %s: %s", path, problem)
    return FileImport(path, found.kind, result)
