"""Ingesting sources: find files, recognise their format, parse into batches, count everything.

For every run, records read = records parsed + records quarantined, per format and in total.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .batch import BatchBuilder
from .formats import sniff
from .parsers import PARSERS
from .parsers.columnar import BLOCK_LINES, Block, ColumnarLineParser, Pending
from .quarantine import Quarantine, QuarantineEntry
from .readers import LineTooLong, iter_lines, open_binary

log = logging.getLogger(__name__)

#: Files a folder walk passes over: documentation and licences that sit beside the logs.
_DOC_SUFFIXES = {".md", ".cff", ".config", ".txt", ".yml", ".yaml", ".rst", ".pdf", ".html"}
_DOC_PREFIXES = ("readme", "license", "licence", "copying", "notice.txt", "citation")
#: Data-set descriptions that sit beside the logs (the shared data's per-set counts).
_METADATA_NAMES = {"counts.json"}


@dataclass
class FormatStats:
    files: int = 0
    read: int = 0
    parsed: int = 0
    quarantined: int = 0
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.parsed / self.seconds if self.seconds > 0 else 0.0


@dataclass
class IngestSummary:
    """What one ingest run did; ``read == parsed + quarantined`` always holds."""

    by_format: dict[str, FormatStats] = field(default_factory=dict)
    by_reason: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return sum(s.read for s in self.by_format.values())

    @property
    def parsed(self) -> int:
        return sum(s.parsed for s in self.by_format.values())

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.by_format.values())

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "parsed": self.parsed,
            "quarantined": self.quarantined,
            "events_per_second": round(self.parsed / self.seconds, 1) if self.seconds > 0 else 0.0,
            "seconds": round(self.seconds, 3),
            "by_format": {
                name: {"files": s.files, "read": s.read, "parsed": s.parsed, "quarantined": s.quarantined,
                       "events_per_second": round(s.events_per_second, 1)}
                for name, s in sorted(self.by_format.items())
            },
            "by_reason": dict(sorted(self.by_reason.items())),
            "skipped": self.skipped,
        }


def is_documentation(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in _DOC_SUFFIXES or name.startswith(_DOC_PREFIXES) or name in _METADATA_NAMES


def discover(paths: Iterable[Path], skipped: list[str]) -> list[Path]:
    """The files to read: named files as given, folders walked recursively (documentation and
    data-set descriptions skipped, and listed in ``skipped``)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name.startswith(".") or is_documentation(child):
                    skipped.append(str(child))
                else:
                    found.append(child)
        else:
            found.append(path)
    return found


def parse_file(path: Path, fmt: str | None = None, block_lines: int = BLOCK_LINES) -> Iterator[object]:
    """Items of one file: ``(record_id, fields)``, ``Block`` (of at most ``block_lines`` records) or
    ``QuarantineEntry``; the file's format first."""
    source = str(path)
    if not path.exists():
        yield "missing"
        yield QuarantineEntry.of(source, 0, "unreadable", "no such file")
        return
    name = fmt or sniff(path)
    if name is None or name not in PARSERS:
        yield "unknown"
        detail = f"unknown format {fmt!r}" if fmt else "format not recognised from the first bytes (use --format)"
        yield from _unread_lines(path, source, detail)
        return
    yield name
    parser = PARSERS[name]()
    if isinstance(parser, ColumnarLineParser):  # a block is decoded whole: memory grows with its size
        parser.block_lines = min(parser.block_lines, block_lines)
    yield from parser.records(path, source)


def _unread_lines(path: Path, source: str, detail: str) -> Iterator[QuarantineEntry]:
    """One quarantine entry per line of a file no parser reads, so that its records are counted."""
    number = 0
    try:
        with open_binary(path) as stream:
            for number, line in enumerate(iter_lines(stream), 1):
                yield QuarantineEntry.of(source, number, "unknown-format", detail,
                                         line.head if isinstance(line, LineTooLong) else line)
    except (OSError, EOFError, zlib.error) as exc:
        yield QuarantineEntry.of(source, number + 1, "unknown-format", f"{detail}; reading stopped: {exc}")
        return
    if number == 0:
        yield QuarantineEntry.of(source, 0, "unknown-format", detail)


def ingest(
    paths: Iterable[Path],
    fmt: str | None = None,
    sink: Callable[[pa.Table], None] | None = None,
    quarantine: Quarantine | None = None,
    on_file: Callable[[Path, FormatStats], None] | None = None,
    batch_size: int = 50_000,
) -> IngestSummary:
    """Parse every file into Arrow batches handed to ``sink``; rejects go to ``quarantine``."""
    quarantine = quarantine or Quarantine()
    summary = IngestSummary()
    started = time.perf_counter()
    # Records of small files of one format share a batch: building a table has a cost per batch.
    builder, builder_format = BatchBuilder(batch_size), None
    gathered: list[Pending] = []
    gathered_records = 0

    def emit(table: pa.Table | None) -> None:
        if table is not None and sink is not None:
            sink(table)

    def quarantined(item: QuarantineEntry, stats: FormatStats) -> None:
        log.debug("quarantined %s record %d: %s (%s)", item.source, item.record_id, item.reason, item.detail)
        stats.quarantined += 1
        quarantine.add(item)
        summary.by_reason[item.reason] += 1

    def decode_gathered() -> None:
        """Decode the gathered records at once; those that go to the quarantine were counted parsed
        (in their file's figures too, which have been reported: the format's and the run's are right)."""
        nonlocal gathered_records
        if not gathered:
            return
        stats = summary.by_format[str(builder_format)]
        sources = [p.source for p in gathered for _ in range(len(p))]
        for item in gathered[-1].decode(sources, [x for p in gathered for x in p.lines], [x for p in gathered for x in p.ids]):
            if isinstance(item, Block):
                emit(item.table)
            else:
                stats.parsed -= 1
                quarantined(item, stats)
        gathered.clear()
        gathered_records = 0

    for path in discover(paths, summary.skipped):
        file_started = time.perf_counter()
        items = parse_file(path, fmt, batch_size)
        name = str(next(items))
        if name != builder_format:
            emit(builder.flush())
            decode_gathered()
            builder_format = name
        stats = summary.by_format.setdefault(name, FormatStats())
        stats.files += 1
        source = str(path)
        file_stats = FormatStats(files=1)
        for item in items:
            if isinstance(item, Block):
                file_stats.read += len(item)
                file_stats.parsed += len(item)
                emit(builder.flush())
                emit(item.table)
                continue
            if isinstance(item, Pending):  # counted parsed here; decode_gathered moves any it quarantines
                file_stats.read += len(item)
                file_stats.parsed += len(item)
                gathered.append(item)
                gathered_records += len(item)
                if gathered_records >= min(batch_size, BLOCK_LINES):
                    decode_gathered()
                continue
            file_stats.read += 1
            if isinstance(item, QuarantineEntry):
                quarantined(item, file_stats)
                continue
            file_stats.parsed += 1
            builder.add(source, *item)
            if builder.full:
                emit(builder.flush())
        file_stats.seconds = time.perf_counter() - file_started
        stats.read += file_stats.read
        stats.parsed += file_stats.parsed
        stats.quarantined += file_stats.quarantined
        stats.seconds += file_stats.seconds
        log.info("ingested %s as %s: %d records, %d parsed, %d quarantined", path, name, file_stats.read,
                 file_stats.parsed, file_stats.quarantined)
        if on_file:
            on_file(path, file_stats)
    emit(builder.flush())
    decode_gathered()
    summary.seconds = time.perf_counter() - started
    log.info("ingest done: %d files, %d records, %d parsed, %d quarantined in %.1f s",
             sum(s.files for s in summary.by_format.values()), summary.read, summary.parsed, summary.quarantined,
             summary.seconds)
    return summary
