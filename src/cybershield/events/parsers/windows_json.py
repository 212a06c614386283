"""Windows events as JSON: JSON lines on the columnar block path, documents (pretty-printed,
concatenated, one array) record by record.

JSON lines of flat records (NXLog, Sysmon-as-JSON, OTRF/Mordor: ``EventID``, ``Channel``,
``Hostname``, … and the EventData names at the top level), winlogbeat documents and evtx_dump
records are decoded a block at a time by ``pyarrow.json``, per kind of event, and normalised with
column operations (``windows_columns``) into exactly the events that ``windows.windows_event``
makes of each record. A part of a block holding anything else (EventData as JSON text, evtx
``UserData``, values of mixed types) goes record by record through ``windows.windows_event``,
with the same result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..batch import BatchBuilder, concat, events_table, stack
from ..quarantine import QuarantineEntry
from ..readers import head_bytes, open_binary
from .base import Item, RecordError, loads_json_object
from .columnar import ColumnarLineParser, decode_json_lines, flatten_structs
from .windows import windows_event
from .windows_columns import SHAPES, beyond_int64

#: Pretty-printed or array JSON is read whole: larger documents are refused (JSON lines stream).
MAX_JSON_DOCUMENT = 64 * 1024 * 1024
#: A decoded block's column of each event's position in the block (taken out by ``record_ids``).
BLOCK_POSITION = "event.provenance.block_position"
#: Kinds of event whose types a parser remembers (beyond that it starts afresh).
_MAX_KINDS = 4096
#: The partition keys of a line, found in its bytes before it is decoded.
_CHANNEL = re.compile(rb'"(?:Channel|EventLog|channel)"\s*:\s*"([^"]*)"')
_EVENT_ID = re.compile(rb'"(?:EventID|event_id)"\s*:\s*"?(-?\d+)')


def _text_schema(paths: set[str]) -> pa.Schema | None:
    """The explicit schema that has Arrow read these (dotted) fields as text."""
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(leaf, None)

    def kind(node: dict | None) -> pa.DataType:
        return pa.string() if node is None else pa.struct([(name, kind(child)) for name, child in node.items()])
    return pa.schema([(name, kind(child)) for name, child in tree.items()]) if tree else None


def _without_empty(raw: pa.Table, names: set[str]) -> pa.Table:
    """``raw`` less those of ``names`` that no record has (an explicit schema adds its fields to every part)."""
    empty = [name for i, name in enumerate(raw.schema.names)
             if name in names and raw.column(i).null_count == raw.num_rows]
    return raw.drop(empty) if empty else raw


def _dotted_names(fields: Iterable[pa.Field], prefix: str = "") -> Iterator[str]:
    """The names that ``flatten_structs`` gives these fields (of a schema or a struct)."""
    for field in fields:
        if pa.types.is_struct(field.type):
            yield from _dotted_names(field.type, f"{prefix}{field.name}.")
        else:
            yield prefix + field.name


class EvtxJsonParser(ColumnarLineParser):
    """EVTX as JSON: JSON lines (in blocks), or concatenated/pretty-printed documents, or one JSON array."""

    name = "evtx-json"
    block_lines = 20_000  # Windows events have hundreds of distinct fields: a block of them is wide

    def __init__(self) -> None:
        self._text_fields: set[str] = set()
        self._schemas: dict[tuple, pa.Schema] = {}  # per kind of event, the types Arrow found last

    def records(self, path: Path, source: str) -> Iterator[Item]:
        if _json_lines(head_bytes(path)):
            return super().records(path, source)
        return self._whole(path, source)

    def parse_line(self, line: bytes) -> dict:
        return windows_event(loads_json_object(line))

    def decode_block(self, lines: list[bytes]) -> pa.Table | None:
        """The block's events, grouped by kind (channel, EventID) and in line order within a kind;
        each event's position in the block is its record id until ``record_ids`` says which it is.

        Lines are decoded per kind: one name has one kind of value within a kind of event (Sysmon's
        ProcessId is a number, Security's a hex text), so Arrow can type each part, and a part holds
        few of the hundreds of names a block has. The parts of a shape are stacked into one table
        (a name of two kinds becomes text, as when the record path joins its batches) and normalised
        at once; a part Arrow cannot take goes record by record. None when a record needs the quarantine."""
        parts: dict[tuple, list[int]] = {}
        for i, line in enumerate(lines):
            channel, event_id = _CHANNEL.search(line), _EVENT_ID.search(line)
            parts.setdefault((channel and channel.group(1), event_id and event_id.group(1)), []).append(i)
        decoded: dict[str, tuple[list[int], list[pa.Table]]] = {}
        tables, positions = [], []
        for kind, rows in parts.items():
            part = [lines[i] for i in rows] if len(parts) > 1 else lines
            found = self._decode_part(part, kind)
            if found is not None:
                shape_rows, raws = decoded.setdefault(found[0], ([], []))
                shape_rows += rows
                raws.append(found[1])
                continue
            table = self._parse_part(part)
            if table is None:
                return None
            tables.append(table)
            positions += rows
        for shape, (rows, raws) in decoded.items():
            raw = stack(raws)
            try:
                columns = SHAPES[shape][1](raw)
            except (TypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                return None
            tables.append(events_table(columns, "", pa.nulls(raw.num_rows, pa.int64())))
            positions += rows
        table = tables[0] if len(tables) == 1 else concat(tables)  # chunks: a few records by the record path cost a few rows
        return table.append_column(BLOCK_POSITION, pa.array(positions, pa.int64()))

    def _decode_part(self, lines: list[bytes], kind: tuple | None = None) -> tuple[str, pa.Table] | None:
        """Lines of one kind of event, column-wise: their shape and their own fields (winlogbeat's
        and evtx_dump's flattened to dotted names); None when Arrow cannot type them or they are no
        shape read so. The types Arrow found for a kind are given to it for the next part of that
        kind (a third faster than inferring them); where they no longer fit, it infers afresh."""
        known = self._schemas.get(kind)
        read = self._read_part(lines, known) if known is not None else None
        if read is None or read[2]:
            for _ in range(2):
                read = self._read_part(lines, _text_schema(self._text_fields))
                if read is None or not read[2]:
                    break
                self._text_fields |= read[2]  # Arrow took a text for a time: read the part again with those fields as text
            if read is None or read[2]:
                return None
        shape, raw, _, schema = read
        if beyond_int64(raw):
            return None  # Arrow made a number of 64 bits and more a float: the record path keeps its digits
        if kind is not None:
            if len(self._schemas) >= _MAX_KINDS:
                self._schemas.clear()
            self._schemas[kind] = schema
        return shape, raw

    @staticmethod
    def _read_part(lines: list[bytes], declared: pa.Schema | None) -> tuple[str, pa.Table, set[str], pa.Schema] | None:
        """The part decoded with the ``declared`` types: (shape, own fields, names Arrow took for
        times, the types to declare next time); fields declared that no record has are left out."""
        raw = decode_json_lines(lines, declared)
        if raw is None:
            return None
        if declared is not None:
            raw = _without_empty(raw, set(declared.names))
        schema = pa.schema([f for f in raw.schema if not pa.types.is_null(f.type)])
        shape = next((name for name, (test, _) in SHAPES.items() if test(raw)), None)
        if shape is None:
            return None
        if shape != "flat":
            raw = flatten_structs(raw)
            if declared is not None:
                raw = _without_empty(raw, set(_dotted_names(declared)))
        dated = {f.name for f in raw.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)}
        return shape, raw, dated, schema

    def _parse_part(self, lines: list[bytes]) -> pa.Table | None:
        """Lines record by record (``windows_event``); None when one of them is not an event."""
        builder = BatchBuilder(len(lines))
        for line in lines:
            try:
                builder.add("", 0, self.parse_line(line))
            except (RecordError, ValueError, TypeError, KeyError, AttributeError, OverflowError):
                return None
        return builder.flush()

    def normalise(self, raw: pa.Table, n: int) -> Iterator[tuple[dict, pa.Array | None]]:
        yield dict(zip(raw.column_names, raw.columns, strict=True)), None

    def record_ids(self, columns: dict, lines: pa.Array) -> pa.Array:
        """The EventRecordID where the event has one, else the line number (as ``_one`` does)."""
        position = columns.pop(BLOCK_POSITION, None)
        if position is not None:  # a decoded block: its events are in the order of their kinds
            lines = lines.take(position)
        record_id = columns.get("winlog.record_id")
        if record_id is None:
            return lines
        record_id = record_id.cast(pa.int64())
        return pc.if_else(pc.fill_null(pc.not_equal(record_id, 0), False), record_id, lines)

    def _whole(self, path: Path, source: str) -> Iterator[Item]:
        try:
            with open_binary(path) as stream:
                raw = stream.read(MAX_JSON_DOCUMENT + 1)
        except (OSError, EOFError) as exc:
            yield QuarantineEntry.of(source, 1, "truncated", f"reading stopped: {exc}")
            return
        if len(raw) > MAX_JSON_DOCUMENT:
            yield QuarantineEntry.of(source, 0, "too-large", f"JSON document over {MAX_JSON_DOCUMENT} bytes", raw)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield QuarantineEntry.of(source, 1, "invalid-utf8", f"not valid UTF-8 at byte {exc.start}", raw[exc.start:])
            return
        yield from self._documents(text, source)

    def _documents(self, text: str, source: str) -> Iterator[Item]:
        decoder = json.JSONDecoder()
        pos, ordinal, end = 0, 0, len(text)
        while True:
            while pos < end and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= end:
                return
            ordinal += 1
            try:
                doc, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                # Skip to the next line that starts a document, so one bad record costs one record.
                nxt = text.find("\n{", pos + 1)
                yield QuarantineEntry.of(source, ordinal, "invalid-json", f"not valid JSON: {exc.msg}", text[pos:pos + 256])
                if nxt < 0:
                    return
                pos = nxt + 1
                continue
            docs = doc if isinstance(doc, list) else [doc]
            for item in docs:
                yield from self._one(item, ordinal, source)
                ordinal += 1
            ordinal -= 1

    @staticmethod
    def _one(doc: object, ordinal: int, source: str) -> Iterator[Item]:
        if not isinstance(doc, dict):
            yield QuarantineEntry.of(source, ordinal, "not-an-object", f"JSON {type(doc).__name__} where an event was expected")
            return
        try:
            fields = windows_event(doc)
        except RecordError as exc:
            yield QuarantineEntry.of(source, ordinal, exc.reason, exc.detail, orjson.dumps(doc)[:256])
            return
        except (ValueError, TypeError, AttributeError) as exc:
            yield QuarantineEntry.of(source, ordinal, "malformed-record", f"{type(exc).__name__}: {exc}", orjson.dumps(doc)[:256])
            return
        yield fields.get("winlog.record_id") or ordinal, fields


def _json_lines(head: bytes) -> bool:
    """Whether a file starts with one whole JSON object on its first line (JSON lines)."""
    for line in head.splitlines():
        if line.strip():
            try:
                return isinstance(orjson.loads(line), dict)
            except orjson.JSONDecodeError:
                return False
    return False
