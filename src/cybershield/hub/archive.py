"""The event archive: ingested events kept as Parquet by day, and the retro-hunt over it.

Each batch is split by the UTC day of its events' ``@timestamp`` (``event.ingested`` when an event has
none) and written as ``<dir>/day=YYYY-MM-DD/part-<uuid>.parquet``, every column kept. Days older than
the retention are not written and are removed when the archive is pruned (at every new day and on
:meth:`Archive.prune`). :func:`retro_hunt` reads the last N days back with DuckDB (the ECS columns only,
which every archived file has with the same types) and runs an ``IndicatorDetector`` over them, so that
a retro-hunt matches exactly as live detection does; its hits are alerts of kind ``retro-hunt`` naming
the warning that carried the indicators.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..detect import Alert, IndicatorDetector
from ..detect.observed import attach_observed
from ..events import ECS_SCHEMA, PROVENANCE_RECORD_ID, PROVENANCE_SOURCE

log = logging.getLogger(__name__)

RETRO_HUNT = "retro-hunt"
_PREFIX = "day="
#: Rows per batch read back for a retro-hunt.
READ_BATCH = 100_000


class Archive:
    """Parquet files by day under ``directory``, kept for ``retention_days`` days (UTC)."""

    def __init__(self, directory: Path, retention_days: int, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.directory = directory
        self.retention_days = retention_days
        self.clock = clock
        self.events = 0
        self.expired = 0
        self._lock = threading.Lock()
        self._pruned_on: date | None = None
        self._duckdb: duckdb.DuckDBPyConnection | None = None

    def oldest_day(self, days: int | None = None) -> date:
        """The first day inside the last ``days`` days (the retention by default), today included."""
        return self.clock().date() - timedelta(days=(days or self.retention_days) - 1)

    def write(self, table: pa.Table) -> int:
        """Archive a batch of events; returns how many were kept (events older than the retention are not)."""
        if table.num_rows == 0:
            return 0
        oldest = self.oldest_day()
        if self._pruned_on != self.clock().date():
            self.prune()
        stamps = pc.coalesce(table.column("@timestamp"), table.column("event.ingested"))
        days = pc.cast(stamps, pa.date32())
        kept = 0
        for day in pc.unique(days).to_pylist():
            rows = pc.equal(days, pa.scalar(day, pa.date32())) if day is not None else pc.is_null(days)
            when = day or self.clock().date()
            part = table.filter(rows)
            if when < oldest:
                self.expired += part.num_rows
                continue
            folder = self.directory / f"{_PREFIX}{when.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, folder / f"part-{uuid.uuid4().hex}.parquet", compression="zstd")
            kept += part.num_rows
        with self._lock:
            self.events += kept
        return kept

    def days(self) -> list[date]:
        """The days held, oldest first."""
        held = []
        for folder in self.directory.glob(f"{_PREFIX}*"):
            try:
                held.append(date.fromisoformat(folder.name.removeprefix(_PREFIX)))
            except ValueError:
                continue
        return sorted(held)

    def prune(self) -> list[date]:
        """Remove the days older than the retention; returns them."""
        oldest = self.oldest_day()
        gone = [day for day in self.days() if day < oldest]
        for day in gone:
            shutil.rmtree(self.directory / f"{_PREFIX}{day.isoformat()}", ignore_errors=True)
        self._pruned_on = self.clock().date()
        if gone:
            log.info("archive: removed %d days older than %s", len(gone), oldest)
        return gone

    def files(self, days: int | None = None) -> list[Path]:
        """The Parquet files of the last ``days`` days (the retention by default, never more)."""
        oldest = self.oldest_day(min(days or self.retention_days, self.retention_days))
        return [path for day in self.days() if day >= oldest
                for path in sorted((self.directory / f"{_PREFIX}{day.isoformat()}").glob("*.parquet"))]

    def read(self, days: int | None = None, batch_rows: int = READ_BATCH, every_schema: bool = False) -> Iterator[pa.Table]:
        """The archived events of the last ``days`` days, ECS columns only, in batches (DuckDB). The columns are
        found by name, as every file written now has the ECS ones; ``every_schema`` joins the schemas of all
        files instead (each file's footer is read first: slower), for files of an older ECS schema."""
        files = self.files(days)
        if not files:
            return
        oldest = datetime.combine(self.oldest_day(days), datetime.min.time(), UTC)
        columns = ", ".join(_quoted(name) for name in ECS_SCHEMA.names)
        connection = self._connection()
        try:
            reader = connection.sql(
                f"SELECT {columns} FROM read_parquet($files, union_by_name = {str(every_schema).lower()}) "
                f"WHERE coalesce(\"@timestamp\", \"event.ingested\") >= $oldest",
                params={"files": [str(f) for f in files], "oldest": oldest}).to_arrow_reader(batch_rows)
            joined, rows = [], 0  # DuckDB gives a batch per file: the small ones are joined
            for batch in reader:
                joined.append(batch)
                rows += batch.num_rows
                if rows >= batch_rows:
                    yield pa.Table.from_batches(joined).cast(ECS_SCHEMA)
                    joined, rows = [], 0
            if rows:
                yield pa.Table.from_batches(joined).cast(ECS_SCHEMA)
        finally:
            connection.close()

    def find(self, refs: Iterable[tuple[str, int]], limit: int = 100) -> list[dict]:
        """The archived events that ``refs`` point to (provenance source and record id, as an alert names its
        events), every column the event has, in the order of ``refs``; refs not (or no longer) archived are absent."""
        wanted = list(dict.fromkeys((str(source), int(record)) for source, record in refs))[:limit]
        files = [str(f) for f in self.files()]
        if not wanted or not files:
            return []
        sql = (f"SELECT * FROM read_parquet($files, union_by_name = true, hive_partitioning = false) "
               f"WHERE list_contains($sources, "
               f"{_quoted(PROVENANCE_SOURCE)}) AND list_contains($records, {_quoted(PROVENANCE_RECORD_ID)})")
        params = {"sources": sorted({s for s, _ in wanted}), "records": sorted({r for _, r in wanted})}
        connection = self._connection()
        try:
            try:
                rows = connection.sql(sql, params={**params, "files": files}).to_arrow_table().to_pylist()
            except duckdb.Error:  # files whose columns clash in type: one at a time
                rows = [row for f in files for row in
                        connection.sql(sql, params={**params, "files": [f]}).to_arrow_table().to_pylist()]
        finally:
            connection.close()
        found = {(row[PROVENANCE_SOURCE], row[PROVENANCE_RECORD_ID]):
                 {k: v for k, v in row.items() if v is not None} for row in rows}
        return [found[key] for key in wanted if key in found]


    def _connection(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own (one thread each) to the archive's in-memory DuckDB, made once: a new
        database costs tens of milliseconds, a connection to it almost nothing."""
        with self._lock:
            if self._duckdb is None:
                self._duckdb = duckdb.connect()
                self._duckdb.execute("SET GLOBAL TimeZone = 'UTC'")
            return self._duckdb.cursor()


def retro_hunt(archive: Archive, indicators: Iterable[object], warning: str, days: int | None = None) -> list[Alert]:
    """Alerts of kind ``retro-hunt`` for archived events of the last ``days`` days that match ``indicators``
    (STIX 2.1 indicator objects), each naming ``warning`` (the id of the report that carried them)."""
    detector = IndicatorDetector(indicators)
    try:
        return _hunt(detector, archive.read(days), warning)
    except duckdb.Error as exc:  # files of an older ECS schema among them: once more, every file's schema joined
        log.info("retro-hunt reads the archive again with every file's schema (%s)", exc)
        return _hunt(detector, archive.read(days, every_schema=True), warning)


def _hunt(detector: IndicatorDetector, batches: Iterable[pa.Table], warning: str) -> list[Alert]:
    alerts = []
    for batch in batches:
        hits = [replace(alert, kind=RETRO_HUNT, context={**alert.context, "warning": warning})
                for alert in detector.detect(batch)]
        attach_observed(hits, batch)
        alerts += hits
    return alerts


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
