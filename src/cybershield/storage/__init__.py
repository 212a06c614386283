"""Storage: database schema, migrations and sessions (SQLite by default, PostgreSQL by URL)."""

from .alert_log import store_alerts
from .db import make_engine, migrate, open_database
from .ingest_log import record_ingest
from .models import (
           AlertRecord,
           Base,
           IngestRun,
           IntelClock,
           QuarantineRecord,
           StixObjectRecord,
           TaxiiBookmark,
           TaxiiStatusRecord,
)

__all__ = ["AlertRecord", "Base", "IngestRun", "IntelClock", "QuarantineRecord", "StixObjectRecord", "TaxiiBookmark",
           "TaxiiStatusRecord", "make_engine", "migrate", "open_database", "record_ingest", "store_alerts"]
