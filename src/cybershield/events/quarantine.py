"""The quarantine: records that did not parse, each with its reason, source and offset.

Nothing is dropped silently: every record read is either parsed into an event or lands here.
Entries are counted by reason and, when a directory is given, appended as JSON lines to
``<dir>/quarantine.jsonl`` so that an analyst can look at them and replay them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

SAMPLE_BYTES = 256


@dataclass(frozen=True)
class QuarantineEntry:
    """One record that could not be parsed."""

    source: str
    record_id: int  # line or record number (1-based); 0 for a whole-file problem
    reason: str  # short stable code, e.g. "invalid-json"
    detail: str  # human-readable message
    sample: str = ""  # the first bytes of the record, for a look

    @classmethod
    def of(cls, source: str, record_id: int, reason: str, detail: str, raw: bytes | str = b"") -> QuarantineEntry:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        sample = raw[:SAMPLE_BYTES].decode("utf-8", "backslashreplace")
        return cls(source, record_id, reason, detail, sample)


class Quarantine:
    """Counts rejected records by reason and keeps them (optionally on disk)."""

    def __init__(self, directory: Path | None = None, keep_in_memory: int = 1000):
        self.by_reason: Counter[str] = Counter()
        self.entries: list[QuarantineEntry] = []
        self._keep = keep_in_memory
        self._file = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._file = open(directory / "quarantine.jsonl", "ab")  # noqa: SIM115 - closed in close()

    def add(self, entry: QuarantineEntry) -> None:
        self.by_reason[entry.reason] += 1
        if len(self.entries) < self._keep:
            self.entries.append(entry)
        if self._file is not None:
            self._file.write(orjson.dumps(asdict(entry)) + b"\n")

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
