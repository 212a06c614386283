"""Anonymised readiness figures a national hub can share upwards, and their roll-up across countries.

A readiness summary holds counts only: endpoints and connections by status, and endpoints by sector and
status. No address, host name, certificate or constituent name leaves the hub. Here are the two ends:
a summary of an inventory (``readiness_summary``) or of a week's stored snapshots (``week_summary``), and
``rollup``; ``network.readiness`` carries the weekly ones between hubs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime

import polars as pl

from .inventory import Inventory
from .status import HYBRID, PQ, STATUSES, empty_counts

KIND = "cybershield-pqc-readiness"
VERSION = 1
#: The sector of endpoints of no known constituent.
UNASSIGNED = "unassigned"
#: No count in a summary is larger (a country's endpoints or connections in a week).
MAX_COUNT = 10**12


class ReadinessError(ValueError):
    """A readiness summary that cannot be rolled up; the message says which and why."""


def readiness_summary(inventory: Inventory, country: str, period: str | None = None) -> dict:
    """Counts by status and by sector (no addresses or names) for one country's hub."""
    endpoints = inventory.endpoints
    by_sector: dict[str, dict[str, int]] = {}
    for sector, status, n in (endpoints.with_columns(pl.col("sector").fill_null(UNASSIGNED))
                              .group_by("sector", "status").len().iter_rows()):
        by_sector.setdefault(sector, empty_counts())[status] = n
    connections = empty_counts()
    connections.update(dict(endpoints.group_by("status").agg(pl.col("connections").sum()).iter_rows()))
    return _document(country, period, dict(inventory.summary["by_status"]), connections, by_sector)


def week_summary(rows: list[dict], country: str, week: date, sectors: Collection[str]) -> dict:
    """The summary of one week from its snapshot rows (``trend.weekly``'s ``sector, status, endpoints,
    connections``); a sector not in ``sectors`` counts as ``other``, so no free text leaves the hub."""
    endpoints, connections, by_sector = empty_counts(), empty_counts(), {}
    for row in rows:
        sector = row["sector"] or UNASSIGNED
        sector = sector if sector == UNASSIGNED or sector in sectors else "other"
        endpoints[row["status"]] += row["endpoints"]
        connections[row["status"]] += row["connections"]
        by_sector.setdefault(sector, empty_counts())[row["status"]] += row["endpoints"]
    return _document(country, week.isoformat(), endpoints, connections, by_sector)


def _document(country: str, period: str | None, endpoints: dict, connections: dict, by_sector: dict) -> dict:
    return {"kind": KIND, "version": VERSION, "country": country.upper(), "period": period,
            "generated": datetime.now(UTC).isoformat(timespec="microseconds"), "endpoints": endpoints,
            "connections": connections, "by_sector": dict(sorted(by_sector.items()))}


def status_counts(value: object, where: str) -> dict[str, int]:
    """``value`` checked as counts by status (every status present in the result); ReadinessError if it is not."""
    if not isinstance(value, dict):
        raise ReadinessError(f"{where}: expected counts by status")
    unknown = set(value) - set(STATUSES)
    if unknown:
        raise ReadinessError(f"{where}: unknown status {sorted(unknown)[0]!r}")
    if any(not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_COUNT for n in value.values()):
        raise ReadinessError(f"{where}: counts must be whole numbers from 0 to {MAX_COUNT}")
    return {**empty_counts(), **value}


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for status, n in counts.items():
        total[status] += n


def _share(counts: dict[str, int]) -> float:
    total = sum(counts.values())
    return round((counts[PQ] + counts[HYBRID]) / total, 4) if total else 0.0


def rollup(summaries: list[dict]) -> dict:
    """The cross-country picture: totals, per country and per sector, with the share protected (pq + hybrid).

    A country sending twice counts once (its latest summary, by ``generated``). A malformed summary is
    refused with ``ReadinessError`` naming it, never half-added.
    """
    latest: dict[str, dict] = {}
    for i, s in enumerate(summaries):
        where = f"summary {i + 1}"
        if not isinstance(s, dict) or s.get("kind") != KIND:
            raise ReadinessError(f"{where}: not a {KIND} document")
        country = s.get("country")
        if not isinstance(country, str) or not country:
            raise ReadinessError(f"{where}: no country")
        checked = {"country": country, "generated": str(s.get("generated") or ""),
                   "endpoints": status_counts(s.get("endpoints"), f"{where} ({country}) endpoints"),
                   "connections": status_counts(s.get("connections", {}), f"{where} ({country}) connections"),
                   "by_sector": {sector: status_counts(c, f"{where} ({country}) sector {sector}")
                                 for sector, c in (s.get("by_sector") or {}).items()}}
        if country not in latest or checked["generated"] >= latest[country]["generated"]:
            latest[country] = checked
    endpoints, connections, by_sector = empty_counts(), empty_counts(), {}
    by_country = {}
    for country, s in sorted(latest.items()):
        _add(endpoints, s["endpoints"])
        _add(connections, s["connections"])
        for sector, counts in s["by_sector"].items():
            _add(by_sector.setdefault(sector, empty_counts()), counts)
        by_country[country] = {"endpoints": s["endpoints"], "protected_share": _share(s["endpoints"]),
                               "connections_protected_share": _share(s["connections"])}
    return {"kind": f"{KIND}-rollup", "countries": sorted(latest), "endpoints": endpoints,
            "connections": connections, "protected_share": _share(endpoints),
            "connections_protected_share": _share(connections), "by_country": by_country,
            "by_sector": {k: {**v, "protected_share": _share(v)} for k, v in sorted(by_sector.items())}}
