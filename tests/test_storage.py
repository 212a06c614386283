"""Storage on SQLite and PostgreSQL: migrations and the ingest log."""

from __future__ import annotations

from sqlalchemy import inspect, select

from cybershield.events import QuarantineEntry
from cybershield.storage import QuarantineRecord, make_engine, open_database, record_ingest


def test_migrations_create_tables_and_are_idempotent(db_url):
    open_database(db_url)
    open_database(db_url)  # a second upgrade is a no-op
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert {"ingest_run", "quarantine", "alembic_version"} <= tables


def test_record_ingest_round_trip(db_url):
    sessions = open_database(db_url)
    entry = QuarantineEntry.of("x.log", 7, "invalid-json", "not valid JSON", b"{oops \xff")
    run_id = record_ingest(sessions, {"read": 10, "parsed": 9, "quarantined": 1}, [entry])
    with sessions() as session:
        rows = session.scalars(select(QuarantineRecord).where(QuarantineRecord.run_id == run_id)).all()
    assert [(r.source, r.record_id, r.reason) for r in rows] == [("x.log", 7, "invalid-json")]
    assert rows[0].sample.startswith("{oops")
