"""Shared fixtures: the shared data folder and the databases (SQLite and PostgreSQL, always)."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from cybershield.config import settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = settings().data_dir
    if not (data / "README.md").is_file():
        pytest.skip(f"shared data not found at {data} (set CYBERSHIELD_DATA); CI always has it")
    return data


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL server: ``CYBERSHIELD_TEST_PG_URL`` (CI starts one), else a throwaway PostgreSQL 16 from
    the ``pgserver`` wheel, started once per test process (each pytest-xdist worker has its own)."""
    base = os.environ.get("CYBERSHIELD_TEST_PG_URL")
    if base:
        yield base
        return
    import pgserver

    server = pgserver.get_server(tempfile.mkdtemp(prefix="cs-pg-"), cleanup_mode="delete")
    yield make_url(server.get_uri()).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind; PostgreSQL gets its own throwaway database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
