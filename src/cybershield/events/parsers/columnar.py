"""The columnar path for line formats: decode a block of lines at once, then normalise with column operations.

A ``ColumnarLineParser`` gathers up to ``BLOCK_LINES`` lines, decodes them into an Arrow table of
the source's own fields (all at once when the format allows it, e.g. ``pyarrow.json`` for JSON
lines; else line by line, which is also the fallback that finds and quarantines the bad lines of
a block), and turns that table into events with Arrow compute: no Python work per record on the
fast path. The result comes out as ``Block`` items that the ingest loop counts and passes on.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from ..batch import Columns, events_table
from ..quarantine import QuarantineEntry
from ..readers import LineTooLong, iter_line_chunks, open_binary
from .base import LineParser, epoch_to_us, iso_to_us

BLOCK_LINES = 20_000
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)
TIMESTAMP_US = pa.timestamp("us", tz="UTC")
_MAX_EPOCH_S = 9.2e12  # int64 microseconds reach about 9.22e12 seconds


@dataclass(frozen=True)
class Block:
    """A run of records already turned into one event table (provenance included)."""

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows


@dataclass(frozen=True)
class Pending:
    """Records of one source read but not yet decoded (one JSON line and record id each): the ingest
    loop gathers those of many small files and has ``decode`` (sources, lines, ids per record) turn
    them into blocks at once, with a quarantine entry for each record that cannot be decoded."""

    source: str
    lines: list[bytes]
    ids: list[int]
    decode: Callable[[list[str], list[bytes], list[int]], Iterator[Block | QuarantineEntry]]

    def __len__(self) -> int:
        return len(self.lines)


def constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def originals_and_ecs(raw: pa.Table, namespace: str, *mappings: dict[str, str]) -> dict:
    """Every column of ``raw`` under ``namespace``, and again under its ECS name where a mapping has one."""
    columns: dict = {}
    for name, col in zip(raw.column_names, raw.columns, strict=True):
        columns[f"{namespace}.{name}"] = col
        ecs = next((m[name] for m in mappings if name in m), None)
        if ecs is not None:
            columns[ecs] = col
    return columns


def flatten_structs(table: pa.Table) -> pa.Table:
    """Nested objects as dotted columns (``alert.signature``), as ``base.flatten`` names them."""
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def timestamps(col: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray:
    """Epoch seconds (number or text) or ISO 8601 text to UTC microseconds; what does not parse is null."""
    if pa.types.is_timestamp(col.type):
        return col.cast(TIMESTAMP_US) if col.type.tz else pc.assume_timezone(col, "UTC").cast(TIMESTAMP_US)
    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        micros = pc.round(pc.multiply(in_range(col.cast(pa.float64()), _MAX_EPOCH_S), 1e6))
        return micros.cast(pa.int64()).cast(TIMESTAMP_US)
    if pa.types.is_string(col.type):
        for attempt in (lambda: col.cast(TIMESTAMP_US), lambda: timestamps(col.cast(pa.float64()))):
            try:
                return attempt()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return pa.array([_timestamp_of_text(v) for v in col.to_pylist()], pa.int64()).cast(TIMESTAMP_US)
    return pa.nulls(len(col), TIMESTAMP_US)


def in_range(values: pa.ChunkedArray | pa.Array, limit: float) -> pa.ChunkedArray | pa.Array:
    """Float values, null where not finite or beyond ``limit`` in size (so that scaling them to int64 cannot overflow)."""
    ok = pc.and_(pc.is_finite(values), pc.less_equal(pc.abs(values), limit))
    return pc.if_else(ok, values, pa.scalar(None, pa.float64()))


def _timestamp_of_text(text: str | None) -> int | None:
    if not text:
        return None
    for parse in (epoch_to_us, iso_to_us):
        try:
            micros = parse(text)
        except (ValueError, OverflowError):
            continue
        return micros if abs(micros) <= _MAX_EPOCH_S * 1e6 else None
    return None


def decode_json_lines(lines: list[bytes], text: pa.Schema | None = None) -> pa.Table | None:
    """A block of JSON-object lines as one table, or None when any line needs a closer look.
    ``text``: fields read as text whatever they look like (Arrow would make ``2019-04-27 16:19:31``
    a timestamp and lose how it was written); the others are inferred."""
    data = b"\n".join(lines)
    # pyarrow parses fastest in blocks of about a megabyte; a block must hold the longest line
    # threads pay only on much data (a part of a Windows block is often a few kilobytes)
    options = pa_json.ReadOptions(block_size=max(1 << 20, 2 * max(map(len, lines))), use_threads=len(data) > 1 << 23)
    try:
        data.isascii() or data.decode("utf-8")  # valid UTF-8, checked fastest where it is ASCII
        source, parse = pa.BufferReader(data), pa_json.ParseOptions(explicit_schema=text) if text else None
        # read_json starts a thread per call: data that fits in one block goes through the streaming reader
        table = pa_json.open_json(source, read_options=options, parse_options=parse).read_all() \
            if len(data) < options.block_size else pa_json.read_json(source, read_options=options, parse_options=parse)
    except (UnicodeDecodeError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table if table.num_rows == len(lines) else None


class ColumnarLineParser(LineParser):
    """Base for line formats normalised column-wise. Subclasses implement ``parse_line`` (one line to
    the source's own fields, or None for a header), ``normalise`` and optionally ``decode_block``."""

    #: Lines per block: fewer for formats whose records are wide (memory grows with block x fields).
    block_lines = BLOCK_LINES

    def decode_block(self, lines: list[bytes]) -> pa.Table | None:
        """All lines of a block at once, or None to go line by line."""
        return None

    def normalise(self, raw: pa.Table, n: int) -> Iterator[tuple[dict, pa.Array | None]]:
        """ECS and namespaced columns from the source's own fields: ``(columns, rows)`` pairs, where
        ``rows`` selects the rows of ``raw`` the columns describe (None: all)."""
        raise NotImplementedError

    def record_ids(self, columns: dict, lines: pa.Array) -> pa.Array:
        """The record ids of normalised rows (by default their line numbers, ``lines``)."""
        return lines

    def records(self, path: Path, source: str) -> Iterator[Block | QuarantineEntry]:
        ids: list[int] = []
        lines: list[bytes] = []
        record_id = 0
        try:
            with open_binary(path) as stream:
                for chunk in iter_line_chunks(stream, self.max_line):
                    first, record_id = record_id + 1, record_id + len(chunk)
                    for number, line in enumerate(chunk, first):
                        if isinstance(line, LineTooLong):
                            yield self.too_long(line, number, source)
                    kept = [(number, line) for number, line in enumerate(chunk, first)
                            if line.__class__ is bytes and line.strip()]
                    ids.extend(number for number, _ in kept)
                    lines.extend(line for _, line in kept)
                    while len(lines) >= self.block_lines:
                        yield from self._block(ids[:self.block_lines], lines[:self.block_lines], source)
                        ids, lines = ids[self.block_lines:], lines[self.block_lines:]
        except (OSError, EOFError, zlib.error) as exc:
            yield from self._block(ids, lines, source)
            yield QuarantineEntry.of(source, record_id + 1, "truncated", f"reading stopped: {exc}")
            return
        yield from self._block(ids, lines, source)

    def _block(self, ids: list[int], lines: list[bytes], source: str) -> Iterator[Block | QuarantineEntry]:
        if not lines:
            return
        raw = self.decode_block(lines)
        if raw is not None:
            try:
                yield from self._events(raw, ids, source)
                return
            except ARROW_ERRORS:
                pass  # a column of an unexpected type: the line-by-line decoding types it afresh
        good, kept = Columns(), []
        for record_id, line in zip(ids, lines, strict=True):
            fields = self.parse_or_quarantine(line, record_id, source)
            if isinstance(fields, QuarantineEntry):
                yield fields
            elif fields is not None:
                good.add(fields)
                kept.append(record_id)
        raw = good.table()
        try:
            yield from self._events(raw, kept, source)
        except ARROW_ERRORS:  # some record has a value the column operations refuse: find it, keep the others
            for i, record_id in enumerate(kept):
                try:
                    yield from self._events(raw.slice(i, 1), [record_id], source)
                except ARROW_ERRORS as exc:
                    yield QuarantineEntry.of(source, record_id, "normalise-failed", f"{type(exc).__name__}: {exc}")

    def _events(self, raw: pa.Table, ids: list[int], source: str) -> Iterator[Block]:
        if not ids:
            return
        id_array = pa.array(ids, pa.int64())
        # all parts are built before any is handed on: if one fails, the caller retries the whole block
        blocks = [Block(events_table(columns, source,
                                     self.record_ids(columns, id_array if rows is None else id_array.filter(rows))))
                  for columns, rows in self.normalise(raw, len(ids))]
        yield from blocks
