"""Anonymised readiness figures a national hub can share upwards, and their roll-up across countries.

A readiness summary holds counts only: endpoints and connections by status, and endpoints by sector and
status. No address, host name, certificate or constituent name leaves the hub. The federation work
carries these summaries between hubs; here are the two ends: ``readiness_summary`` and ``rollup``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from .inventory import Inventory
from .status import HYBRID, PQ, STATUSES, empty_counts

KIND = "cybershield-pqc-readiness"
VERSION = 1


class ReadinessError(ValueError):
    """A readiness summary that cannot be rolled up; the message says which and why."""


def readiness_summary(inventory: Inventory, country: str, period: str | None = None) -> dict:
    """Counts by status and by sector (no addresses or names) for one country's hub."""
    endpoints = inventory.endpoints
    by_sector: dict[str, dict[str, int]] = {}
    for sector, status, n in (endpoints.with_columns(pl.col("sector").fill_null("unassigned"))
                              .group_by("sector", "status").len().iter_rows()):
        by_sector.setdefault(sector, empty_counts())[status] = n
    connections = empty_counts()
    connections.update(dict(endpoints.group_by("status").agg(pl.col("connections").sum()).iter_rows()))
    return {"kind": KIND, "version": VERSION, "country": country.upper(),
            "period": period, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "endpoints": dict(inventory.summary["by_status"]), "connections": connections,
            "by_sector": dict(sorted(by_sector.items()))}


def _counts(value: object, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ReadinessError(f"{where}: expected counts by status")
    unknown = set(value) - set(STATUSES)
    if unknown:
        raise ReadinessError(f"{where}: unknown status {sorted(unknown)[0]!r}")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in value.values()):
        raise ReadinessError(f"{where}: counts must be non-negative integers")
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
                   "endpoints": _counts(s.get("endpoints"), f"{where} ({country}) endpoints"),
                   "connections": _counts(s.get("connections", {}), f"{where} ({country}) connections"),
                   "by_sector": {sector: _counts(c, f"{where} ({country}) sector {sector}")
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
        by_country[country] = {"endpoints": s["endpoints"], "protected_share": _share(s["endpoints"])}
    return {"kind": f"{KIND}-rollup", "countries": sorted(latest), "endpoints": endpoints,
            "connections": connections, "protected_share": _share(endpoints),
            "connections_protected_share": _share(connections), "by_country": by_country,
            "by_sector": {k: {**v, "protected_share": _share(v)} for k, v in sorted(by_sector.items())}}
