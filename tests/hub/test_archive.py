"""The archive: Parquet by day, the retention, and the retro-hunt over the last N days (DuckDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cybershield.events import ECS_SCHEMA, ingest
from cybershield.hub import RETRO_HUNT, Archive, retro_hunt

from .conftest import warning_bundle, zeek_conn

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
C2 = "203.0.113.200"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def archived(tmp_path, rows, clock, retention=30) -> Archive:
    log = tmp_path / "conn.log"
    log.write_bytes(zeek_conn(rows))
    archive = Archive(tmp_path / "archive", retention, clock)
    ingest([log], sink=archive.write)
    return archive


def indicators(address: str) -> list[dict]:
    return [o for o in warning_bundle(address)["objects"] if o["type"] == "indicator"]


def test_events_are_partitioned_by_day_and_old_ones_are_not_kept(tmp_path):
    clock = Clock(NOW)
    rows = [(NOW - timedelta(hours=1), "198.51.100.1"), (NOW - timedelta(days=2), C2),
            (NOW - timedelta(days=2, hours=3), "198.51.100.2"), (NOW - timedelta(days=40), C2)]
    archive = archived(tmp_path, rows, clock)
    assert archive.days() == [(NOW - timedelta(days=2)).date(), NOW.date()]
    assert (archive.events, archive.expired) == (3, 1)
    two_days = list((tmp_path / "archive" / f"day={(NOW - timedelta(days=2)).date()}").glob("*.parquet"))
    table = pq.read_table(two_days)
    assert sorted(table.column("destination.ip").to_pylist()) == sorted([C2, "198.51.100.2"])
    assert "zeek.conn.proto" in table.column_names or "zeek.conn.id.orig_p" in table.column_names  # every column kept


def test_retro_hunt_finds_the_two_days_old_event_and_names_the_warning(tmp_path):
    clock = Clock(NOW)
    archive = archived(tmp_path, [(NOW - timedelta(days=2), C2), (NOW - timedelta(days=2), "198.51.100.7"),
                                  (NOW - timedelta(days=29, hours=1), C2)], clock)
    hits = retro_hunt(archive, indicators(C2), "report--w1", days=3)
    assert len(hits) == 1
    (hit,) = hits
    assert hit.kind == RETRO_HUNT and hit.context["warning"] == "report--w1"
    assert hit.context["matched"]["value"] == C2 and hit.events[0].record_id == 1
    assert hit.context["observed"] == [{"destination.ip": C2, "source.ip": "10.1.2.3"}]
    assert hit.timestamp.date() == (NOW - timedelta(days=2)).date()
    # over the whole retention both sightings are found; an unrelated indicator finds nothing
    assert len(retro_hunt(archive, indicators(C2), "report--w1")) == 2
    assert retro_hunt(archive, indicators("192.0.2.99"), "report--w2") == []


def test_nothing_older_than_the_retention_is_hunted(tmp_path):
    clock = Clock(NOW)
    archive = archived(tmp_path, [(NOW - timedelta(days=2), C2), (NOW - timedelta(days=10), C2)], clock, retention=30)
    assert len(retro_hunt(archive, indicators(C2), "report--w")) == 2
    clock.now = NOW + timedelta(days=25)  # the 10-days-old event is now 35 days old, the other 27
    assert [h.timestamp.date() for h in retro_hunt(archive, indicators(C2), "report--w", days=90)] == \
        [(NOW - timedelta(days=2)).date()]  # days beyond the retention are never read
    assert archive.prune() == [(NOW - timedelta(days=10)).date()]
    assert archive.days() == [(NOW - timedelta(days=2)).date()]


def test_an_empty_archive_hunts_nothing(tmp_path):
    assert retro_hunt(Archive(tmp_path / "none", 30), indicators(C2), "report--w") == []


def test_small_files_are_read_back_in_joined_batches(tmp_path):
    clock = Clock(NOW)
    archive = Archive(tmp_path / "archive", 30, clock)
    for n in range(7):  # an ingest request each: a small file each
        log = tmp_path / f"conn-{n}.log"
        log.write_bytes(zeek_conn([(NOW - timedelta(hours=1), f"198.51.100.{n}"), (NOW - timedelta(hours=2), C2)]))
        ingest([log], sink=archive.write)
    assert len(archive.files()) == 7
    assert [t.num_rows for t in archive.read()] == [14]
    assert [t.num_rows for t in archive.read(batch_rows=4)] == [4, 4, 4, 2]
    assert all(t.schema == ECS_SCHEMA for t in archive.read(batch_rows=4))
    assert len(retro_hunt(archive, indicators(C2), "report--w")) == 7


def test_files_of_an_older_schema_are_still_hunted(tmp_path):
    """A file written before an ECS column was added lacks it: the retro-hunt reads every file's schema then."""
    clock = Clock(NOW)
    archive = archived(tmp_path, [(NOW - timedelta(days=1), C2)], clock)
    log = tmp_path / "older.log"
    log.write_bytes(zeek_conn([(NOW - timedelta(days=3), C2), (NOW - timedelta(hours=1), C2)]))
    tables: list = []
    ingest([log], sink=tables.append)
    older = pa.concat_tables(tables).drop_columns(["user.name"])
    for day, name in (((NOW - timedelta(days=3)).date(), "part-0.parquet"), (NOW.date(), "part-z.parquet")):
        folder = tmp_path / "archive" / f"day={day}"  # first of all the files, and last
        folder.mkdir(exist_ok=True)
        stamps = pc.cast(older.column("@timestamp"), pa.date32())
        pq.write_table(older.filter(pc.equal(stamps, pa.scalar(day, pa.date32()))), folder / name)
    with pytest.raises(duckdb.Error):  # the columns by name: the older files lack one
        list(archive.read())
    assert sum(t.num_rows for t in archive.read(every_schema=True)) == 3
    hits = retro_hunt(archive, indicators(C2), "report--w")
    assert sorted(h.timestamp.date() for h in hits) == [(NOW - timedelta(days=d)).date() for d in (3, 1, 0)]
