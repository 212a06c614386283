"""The independent reference: pySigma's SQLite backend (what Zircolite runs) over events in SQLite.

Each rule is processed by the same pipeline as the engine (so both see the same fields and log
sources), converted to SQL by ``pysigma-backend-sqlite`` and run as one query per rule over a
``logs`` table holding the events, as Zircolite does (columns ``TEXT COLLATE NOCASE``, a Python
``REGEXP``). Used by the equivalence tests and the benchmark; not by the engine.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
from sigma.backends.sqlite import sqliteBackend
from sigma.exceptions import SigmaError

from ...events import PROVENANCE_RECORD_ID, PROVENANCE_SOURCE, concat
from .loader import RuleFailure, RuleSet
from .pipeline import process, variant_pipelines, variants_of


@dataclass
class ReferenceQueries:
    """SQL per rule id (one query per variant), and the rules the backend could not convert."""

    queries: dict[str, list[str]] = field(default_factory=dict)
    failures: list[RuleFailure] = field(default_factory=list)


def convert(ruleset: RuleSet, placeholders: dict[str, list[str]] | None = None) -> ReferenceQueries:
    pipelines = variant_pipelines(placeholders)
    backend = sqliteBackend()
    out = ReferenceQueries()
    for rule in ruleset.rules:
        rule_id = str(rule.id) if rule.id else rule.title
        for variant in variants_of(rule):
            try:
                sql = backend.convert_rule(process(rule, pipelines[variant]))
            except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError) as exc:
                out.failures.append(RuleFailure(str(rule.source.path) if rule.source else "",
                                                f"{variant}: {type(exc).__name__}: {exc}", rule_id, rule.title))
                continue
            out.queries.setdefault(rule_id, []).extend(q.replace("<TABLE_NAME>", "logs") for q in sql)
    return out


def _regexp(cache: dict) -> Callable[[str, object], bool]:
    def regexp(pattern: str, value: object) -> bool:
        if value is None:
            return False
        compiled = cache.get(pattern)
        if compiled is None:
            compiled = cache[pattern] = re.compile(pattern)
        return compiled.search(str(value)) is not None
    return regexp


def load_events(batches: list[pa.Table]) -> sqlite3.Connection:
    """An in-memory SQLite database with the events in a ``logs`` table, one column per field."""
    table = concat(batches)
    conn = sqlite3.connect(":memory:")
    conn.create_function("regexp", 2, _regexp({}), deterministic=True)
    # Booleans as the event's XML writes them ("true"), not as SQLite's 1.
    # SQLite column names ignore case: fields differing only in case share a column (first value wins).
    merged: dict[str, list] = {}
    for name in table.column_names:
        column = [_sql_value(v) for v in table.column(name).to_pylist()]
        key = next((k for k in merged if k.lower() == name.lower()), name)
        merged[key] = [a if a is not None else b for a, b in zip(merged[key], column, strict=True)] if key in merged else column
    names = list(merged)
    columns = ", ".join(f'"{n}" TEXT COLLATE NOCASE' for n in names)
    conn.execute(f"CREATE TABLE logs ({columns})")
    values = list(merged.values())
    conn.executemany(f"INSERT INTO logs VALUES ({', '.join('?' * len(names))})", zip(*values, strict=True))
    return conn


def _sql_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else value


def run(conn: sqlite3.Connection, queries: ReferenceQueries) -> tuple[set[tuple[str, str, int]], list[RuleFailure]]:
    """All (rule id, source, record id) matches; queries SQLite rejects are returned as failures."""
    matches: set[tuple[str, str, int]] = set()
    failures: list[RuleFailure] = []
    select = f'SELECT "{PROVENANCE_SOURCE}", "{PROVENANCE_RECORD_ID}" FROM logs WHERE '
    for rule_id, sqls in queries.queries.items():
        for sql in sqls:
            where = sql.split(" WHERE ", 1)[1]
            try:
                rows = _execute(conn, select + where)
            except sqlite3.Error as exc:
                failures.append(RuleFailure("", f"SQLite: {exc}", rule_id))
                continue
            matches.update((rule_id, source, int(record_id)) for source, record_id in rows)
    return matches, failures


def _execute(conn: sqlite3.Connection, sql: str) -> list:
    """Run a query; a field no event has becomes an empty (NULL) column first, as in Zircolite."""
    for _ in range(64):
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError as exc:
            missing = re.fullmatch(r"no such column: (.+)", str(exc))
            if not missing:
                raise
            conn.execute(f'ALTER TABLE logs ADD COLUMN "{missing.group(1)}" TEXT COLLATE NOCASE')
    raise sqlite3.OperationalError(f"too many missing columns in {sql[:200]}")
