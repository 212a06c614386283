"""What every parser shares: the record stream protocol, line plumbing, and small field helpers.

A parser turns one source into a stream of ``(record_id, fields)`` pairs, where ``fields`` is a
flat dict of ECS names plus the original fields under the format's namespace, or
``QuarantineEntry`` objects for records that could not be parsed. Whatever a source holds, a
parser never raises: a broken file ends as quarantine entries.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson

from ..quarantine import QuarantineEntry
from ..readers import DEFAULT_MAX_LINE, LineTooLong, iter_lines, open_binary

Record = tuple[int, dict]
Item = Record | QuarantineEntry


class RecordError(Exception):
    """A record cannot be parsed; ``reason`` is the quarantine code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def flatten(obj: dict, prefix: str, out: dict) -> dict:
    """Copy a nested JSON object into ``out`` with dotted keys under ``prefix``."""
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flatten(value, name, out)
        else:
            out[name] = value
    return out


def iso_to_us(text: str) -> int:
    """ISO 8601 (with or without zone; naive means UTC) to microseconds since the epoch."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def epoch_to_us(value: float | str) -> int:
    return int(round(float(value) * 1_000_000))


def to_int(value: object) -> int | None:
    """An integer field that may arrive as text; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def loads_json_object(line: bytes) -> dict:
    """Parse one JSON line into a dict or raise ``RecordError`` saying why not."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise RecordError("invalid-utf8", f"not valid UTF-8 at byte {uexc.start}") from None
        raise RecordError("invalid-json", f"not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise RecordError("not-an-object", f"JSON {type(obj).__name__} where an object was expected")
    return obj


class LineParser:
    """Base for formats with one record per line. Subclasses implement ``parse_line``."""

    name = "lines"
    max_line = DEFAULT_MAX_LINE

    def parse_line(self, line: bytes) -> dict | None:
        """Fields of one record, or None for a line that holds no record (header, comment)."""
        raise NotImplementedError

    def parse_or_quarantine(self, line: bytes, record_id: int, source: str) -> dict | QuarantineEntry | None:
        """The record's fields, the quarantine entry that says why there are none, or None for a non-record line."""
        try:
            return self.parse_line(line)
        except RecordError as exc:
            return QuarantineEntry.of(source, record_id, exc.reason, exc.detail, line)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
            return QuarantineEntry.of(source, record_id, "malformed-record", f"{type(exc).__name__}: {exc}", line)

    def too_long(self, line: LineTooLong, record_id: int, source: str) -> QuarantineEntry:
        return QuarantineEntry.of(source, record_id, "line-too-long",
                                  f"line of {line.length} bytes exceeds the limit of {self.max_line}", line.head)

    def records(self, path: Path, source: str) -> Iterator[Item]:
        record_id = 0
        try:
            with open_binary(path) as stream:
                for line in iter_lines(stream, self.max_line):
                    record_id += 1
                    if isinstance(line, LineTooLong):
                        yield self.too_long(line, record_id, source)
                    elif line.strip():
                        fields = self.parse_or_quarantine(line, record_id, source)
                        if isinstance(fields, QuarantineEntry):
                            yield fields
                        elif fields is not None:
                            yield record_id, fields
        except (OSError, EOFError, zlib.error) as exc:
            yield QuarantineEntry.of(source, record_id + 1, "truncated", f"reading stopped: {exc}")
