"""Storage on SQLite and PostgreSQL: migrations, the ingest log and TAXII status resources."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from cybershield.events import QuarantineEntry
from cybershield.storage import (
    QuarantineRecord,
    make_engine,
    open_database,
    read_status,
    record_ingest,
    save_status,
)


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


def test_a_taxii_status_is_read_back_only_by_the_account_that_posted(db_url):
    open_database(db_url)
    engine = make_engine(db_url)
    status = {"id": "0d5b3a36-6d1c-4a43-9b7f-3c2b8f1f0a01", "status": "complete",
              "request_timestamp": "2026-01-02T03:04:05.000000Z", "total_count": 1, "success_count": 1,
              "successes": [{"id": "indicator--1", "version": "2026-01-01T00:00:00.000000Z", "message": "accepted"}]}
    save_status(engine, status, "hub", "be-hub")
    assert orjson.loads(read_status(engine, status["id"], "be-hub")) == status
    assert read_status(engine, status["id"], "fr-hub") is None
    assert read_status(engine, "no-such-status", "be-hub") is None
    with pytest.raises(IntegrityError):  # a status id is used once
        save_status(engine, status, "hub", "fr-hub")
    engine.dispose()
