"""Storage: database schema, migrations and sessions (SQLite by default, PostgreSQL by URL)."""

from .alert_log import store_alerts
from .db import make_engine, migrate, open_database
from .ingest_log import record_ingest
from .models import (
           AlertRecord,
           Base,
           EnvelopeNonce,
           IngestRun,
           QuarantineRecord,
           StixObjectRecord,
           TaxiiBookmark,
           TaxiiStatusRecord,
)
from .replay_log import SqlReplayStore

__all__ = ["AlertRecord", "Base", "EnvelopeNonce", "IngestRun", "QuarantineRecord", "StixObjectRecord", "TaxiiBookmark",
           "TaxiiStatusRecord", "make_engine", "migrate", "open_database", "record_ingest",
           "store_alerts", "SqlReplayStore"]
