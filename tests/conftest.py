"""Shared fixtures: the shared data folder and the databases (SQLite always, PostgreSQL when CI starts one)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cybershield.config import settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = settings().data_dir
    if not (data / "README.md").is_file():
        pytest.skip(f"shared data not found at {data} (set CYBERSHIELD_DATA); CI always has it")
    return data


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind; PostgreSQL gets its own throwaway database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = os.environ.get("CYBERSHIELD_TEST_PG_URL")
    if not base:
        pytest.skip("no PostgreSQL server (CYBERSHIELD_TEST_PG_URL); .ci/run starts one")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
