"""Storage: database schema, migrations and sessions (SQLite by default, PostgreSQL by URL)."""

from .db import make_engine, migrate, open_database
from .ingest_log import record_ingest
from .models import Base, IngestRun, QuarantineRecord

__all__ = ["Base", "IngestRun", "QuarantineRecord", "make_engine", "migrate", "open_database", "record_ingest"]
