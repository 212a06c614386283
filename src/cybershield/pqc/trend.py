"""Readiness over time: weekly snapshots of an inventory, stored, and the trend read back.

A week's row per sector and status counts the endpoints whose worst use that week had the status and
their connections. Recording an inventory replaces the rows of the weeks it covers (a week's snapshot
is the inventory of that week as last computed), so re-reading the same logs does not count twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..storage import PqcSnapshot
from .inventory import ENDPOINT, Inventory
from .status import HYBRID, PQ, SEVERITY, empty_counts

_BY_SEVERITY = {v: k for k, v in SEVERITY.items()}


def weekly(inventory: Inventory) -> list[dict]:
    """Rows ``{week, sector, status, endpoints, connections}`` from the inventory's handshakes (with a time)."""
    frame = inventory.handshakes.filter(pl.col("time").is_not_null())
    if frame.height == 0:
        return []
    sectors = inventory.endpoints.select(*ENDPOINT, pl.col("sector").fill_null(""))
    per_endpoint = (frame.with_columns(week=pl.col("time").dt.truncate("1w").dt.date(),
                                       severity=pl.col("status").replace_strict(SEVERITY, return_dtype=pl.Int64))
                    .group_by("week", *ENDPOINT).agg(severity=pl.col("severity").max(), connections=pl.len())
                    .join(sectors, on=ENDPOINT, how="left", nulls_equal=True)
                    .with_columns(status=pl.col("severity").replace_strict(_BY_SEVERITY, return_dtype=pl.String),
                                  sector=pl.col("sector").fill_null("")))
    rows = (per_endpoint.group_by("week", "sector", "status")
            .agg(endpoints=pl.len(), connections=pl.col("connections").sum())
            .sort("week", "sector", "status"))
    return rows.to_dicts()


def record_snapshots(sessions: sessionmaker[Session], rows: list[dict]) -> int:
    """Store weekly rows, replacing the rows of the weeks they cover; returns how many were stored."""
    weeks = sorted({r["week"] for r in rows})
    now = datetime.now(UTC)
    with sessions.begin() as session:
        if weeks:
            session.execute(delete(PqcSnapshot).where(PqcSnapshot.week.in_(weeks)))
        session.add_all(PqcSnapshot(week=r["week"], sector=r["sector"], status=r["status"], endpoints=r["endpoints"],
                                    connections=r["connections"], recorded=now) for r in rows)
    return len(rows)


def read_weeks(sessions: sessionmaker[Session], weeks: int) -> dict[date, list[dict]]:
    """The snapshot rows (``sector, status, endpoints, connections``) of the newest ``weeks`` weeks stored."""
    with sessions() as session:
        newest = list(session.scalars(select(PqcSnapshot.week).distinct().order_by(PqcSnapshot.week.desc())
                                      .limit(weeks)))
        found: dict[date, list[dict]] = {week: [] for week in sorted(newest)}
        for row in session.scalars(select(PqcSnapshot).where(PqcSnapshot.week.in_(newest))):
            found[row.week].append({"sector": row.sector, "status": row.status, "endpoints": row.endpoints,
                                    "connections": row.connections})
    return found


def read_trend(sessions: sessionmaker[Session], sector: str | None = None) -> list[dict]:
    """Per week: endpoints and connections by status, and the shares protected (pq or hybrid-pq)."""
    query = select(PqcSnapshot).order_by(PqcSnapshot.week)
    if sector is not None:
        query = query.where(PqcSnapshot.sector == sector)
    weeks: dict[date, dict] = {}
    with sessions() as session:
        for row in session.scalars(query):
            week = weeks.setdefault(row.week, {"week": row.week.isoformat(), "endpoints": empty_counts(),
                                               "connections": empty_counts()})
            week["endpoints"][row.status] = week["endpoints"].get(row.status, 0) + row.endpoints
            week["connections"][row.status] = week["connections"].get(row.status, 0) + row.connections
    for week in weeks.values():
        for kind in ("endpoints", "connections"):
            total = sum(week[kind].values())
            protected = week[kind][PQ] + week[kind][HYBRID]
            week[f"{kind}_total"] = total
            week[f"{kind}_protected_share"] = round(protected / total, 4) if total else 0.0
    return list(weeks.values())


__all__ = ["read_trend", "read_weeks", "record_snapshots", "weekly"]
