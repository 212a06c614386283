"""Binary EVTX files, read with the ``evtx`` (Rust) package into evtx_dump JSON, a block of records
at a time on the columnar path of ``windows_json`` (record by record where a block holds a record
that needs the quarantine)."""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import evtx
import orjson
import pyarrow as pa

from ..batch import BatchBuilder, events_table
from ..quarantine import QuarantineEntry
from ..readers import GZIP_MAGIC, open_binary
from .base import Item, RecordError
from .columnar import ARROW_ERRORS, BLOCK_LINES, Block, Pending
from .windows import from_evtx_xml_json
from .windows_json import BLOCK_POSITION, EvtxJsonParser

EVTX_HEADER_BLOCK = 4096
EVTX_CHUNK = 65536
MAX_GUNZIPPED_EVTX = 4 * 1024 * 1024 * 1024


def _missing_chunks(path: Path) -> int:
    """How many of the chunks the file header announces are not (wholly) in the file."""
    try:
        with open(path, "rb") as f:
            header = f.read(48)
            size = f.seek(0, 2)
    except OSError:
        return 0
    if len(header) < 44:
        return 1
    announced = int.from_bytes(header[42:44], "little")
    present = max(0, size - EVTX_HEADER_BLOCK) // EVTX_CHUNK
    return max(0, announced - present)


class EvtxParser:
    """Binary .evtx files, read with the ``evtx`` (Rust) package; a gzip-compressed one is unpacked first
    (the package reads files), to a temporary file beside nothing else, removed afterwards."""

    name = "evtx"

    def records(self, path: Path, source: str) -> Iterator[Item | Pending]:
        with open(path, "rb") as f:
            packed = f.read(2) == GZIP_MAGIC
        if not packed:
            yield from self._records(path, source)
            return
        with tempfile.TemporaryDirectory(prefix="cybershield-evtx-") as folder:
            plain = Path(folder) / "unpacked.evtx"
            problem = _gunzip(path, plain, MAX_GUNZIPPED_EVTX)
            if problem:
                yield QuarantineEntry.of(source, 0, *problem)
            yield from self._records(plain, source)

    def _records(self, path: Path, source: str) -> Iterator[Item | Pending]:
        missing = _missing_chunks(path)
        if missing:
            yield QuarantineEntry.of(source, 0, "truncated", f"EVTX file is cut short: {missing} of its chunks are missing"
                                     " or incomplete; the records in them are lost")
        lines: list[bytes] = []
        ids: list[int] = []
        ordinal = 0
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for rec in evtx.PyEvtxParser(str(path), 1).records_json():
                    ordinal += 1
                    data = rec["data"]
                    lines.append((data.replace("\n", " ") if "\n" in data else data).encode())  # one JSON line each
                    ids.append(rec.get("event_record_id") or ordinal)
                    for warning in caught:
                        yield QuarantineEntry.of(source, ordinal, "evtx-record-error", str(warning.message))
                    caught.clear()
                    if len(lines) >= BLOCK_LINES:
                        yield Pending(source, lines, ids, decode_records)
                        lines, ids = [], []
        except (RuntimeError, OSError) as exc:
            yield QuarantineEntry.of(source, ordinal + 1, "evtx-unreadable", f"EVTX parsing stopped: {exc}")
        if lines:
            yield Pending(source, lines, ids, decode_records)


#: The decoder of each thread: it learns the types of each kind of event from block to block.
_COLUMNAR = threading.local()


def columnar_block(sources: list[str], lines: list[bytes], ids: list[int]) -> pa.Table | None:
    """Records (source, evtx_dump JSON line and record id of each) as one table of events, decoded
    column-wise; None when one of them needs a closer look."""
    columnar = getattr(_COLUMNAR, "parser", None)
    if columnar is None:
        columnar = _COLUMNAR.parser = EvtxJsonParser()
    try:
        table = columnar.decode_block(lines)
        if table is None:
            return None
        columns = dict(zip(table.column_names, table.columns, strict=True))
        source = pa.array(sources, pa.string()).take(columns[BLOCK_POSITION])
        return events_table(columns, source, columnar.record_ids(columns, pa.array(ids, pa.int64())))
    except ARROW_ERRORS:
        return None  # a value the column operations refuse: the record path types it afresh


def decode_records(sources: list[str], lines: list[bytes], ids: list[int]) -> Iterator[Block | QuarantineEntry]:
    """Records as one block of events: column-wise, or record by record when one of them needs the quarantine."""
    table = columnar_block(sources, lines, ids)
    if table is not None:
        yield Block(table)
        return
    builder = BatchBuilder(len(lines))
    for source, line, record_id in zip(sources, lines, ids, strict=True):
        try:
            fields = from_evtx_xml_json(orjson.loads(line))
        except (RecordError, orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
            yield QuarantineEntry.of(source, record_id, getattr(exc, "reason", "malformed-record"), str(exc), line)
            continue
        builder.add(source, fields.get("winlog.record_id") or record_id, fields)
    table = builder.flush()
    if table is not None:
        yield Block(table)


def _gunzip(packed: Path, plain: Path, limit: int) -> tuple[str, str] | None:
    """Unpack ``packed`` into ``plain`` (at most ``limit`` bytes); the quarantine reason and detail of a
    problem (a cut gzip stream, too large), or None. What came before the problem is kept."""
    size = 0
    with open_binary(packed) as stream, open(plain, "wb") as out:
        try:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    return "too-large", f"unpacked EVTX is over {limit} bytes; the rest is not read"
                out.write(chunk)
        except (OSError, EOFError) as exc:
            return "truncated", f"gzip stream is cut short: {exc}"
    return None
