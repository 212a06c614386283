"""EvtxECmd's CSV (Eric Zimmerman's EVTX parser, a common DFIR export): a header line, then one row
per event with ``EventId``, ``Channel``, ``Computer``, ``TimeCreated`` and the event data as
``Payload`` JSON text. Each row is read as EvtxECmd's JSON record is (``windows.from_flat_json``);
quoted values may span lines (multi-line command lines and scripts). A row that is not one event
(other field count, bytes that are not UTF-8, a field over ``MAX_FIELD``) is quarantined alone.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..quarantine import QuarantineEntry
from ..readers import open_binary
from .base import Item, RecordError
from .windows import windows_event

#: Header names that say a CSV file is EvtxECmd's.
HEADER_NAMES = (b"EventRecordId", b"EventId", b"Channel", b"Payload")
#: The largest field read (a Payload holds a whole event's data; PowerShell script blocks are long).
MAX_FIELD = 4 * 1024 * 1024
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as surrogateescape keeps them


def is_evtxecmd_header(line: bytes) -> bool:
    return all(name in line for name in HEADER_NAMES)


class EvtxECmdCsvParser:
    """EvtxECmd CSV files, a row at a time."""

    name = "evtxecmd-csv"

    def records(self, path: Path, source: str) -> Iterator[Item]:
        ordinal = 0
        try:
            with open_binary(path) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
                reader = csv.reader(text)
                csv.field_size_limit(MAX_FIELD)
                header = next(reader, None)
                if header is None:
                    return
                header = [_NOT_UTF8.sub("\ufffd", name) for name in header]
                while True:
                    ordinal += 1
                    try:
                        row = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        yield QuarantineEntry.of(source, ordinal, "malformed-record", f"not a CSV row: {exc}")
                        continue
                    if row:
                        yield self._one(header, row, ordinal, source)
        except (OSError, EOFError, zlib.error) as exc:
            yield QuarantineEntry.of(source, ordinal, "truncated", f"reading stopped: {exc}")

    @staticmethod
    def _one(header: list[str], row: list[str], ordinal: int, source: str) -> Item:
        line = ",".join(row)
        if len(row) != len(header):
            return QuarantineEntry.of(source, ordinal, "malformed-record",
                                      f"{len(row)} fields where the header names {len(header)}", line)
        if _NOT_UTF8.search(line):
            return QuarantineEntry.of(source, ordinal, "invalid-utf8", "a field holds bytes that are not UTF-8",
                                      line.encode("utf-8", "surrogateescape"))
        record = {name: value for name, value in zip(header, row, strict=True) if value != ""}
        try:
            fields = windows_event(record)
        except RecordError as exc:
            return QuarantineEntry.of(source, ordinal, exc.reason, exc.detail, line)
        except (ValueError, TypeError, OverflowError) as exc:
            return QuarantineEntry.of(source, ordinal, "malformed-record", f"{type(exc).__name__}: {exc}", line)
        return fields.get("winlog.record_id") or ordinal, fields
