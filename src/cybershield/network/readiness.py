"""Post-quantum readiness across the network: national hubs share anonymised figures, cross-border hubs roll up.

A national hub sends its summary of each of the newest weeks its recorder stored (``pqc.week_summary``:
endpoints by status and NIS2 sector, connections by status; no address, host or constituent name) to every
cross-border hub whose agreement shares ``pqc-readiness``, through the federation's outbox: every
``network.readiness_share_seconds`` of its configuration (default hourly), as soon as a week's figures change,
and on demand (``POST /api/v1/pqc/readiness/share``). A cross-border hub checks each summary (the sender's
country, a week that has begun, known statuses and sectors, counts that add up, nothing else; a refusal is
counted as ``bad-readiness``), keeps the newest per country and week (the same one again changes nothing) and
rolls them up with ``pqc.rollup`` for ``GET /api/v1/pqc/readiness``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import orjson

from ..hub import HubService
from ..hub.config import SECTORS
from ..pqc import STATUSES, ReadinessError, read_weeks, rollup, week_summary
from ..pqc.readiness import KIND, UNASSIGNED, VERSION, status_counts
from ..storage.readiness_log import keep_summary, readiness_periods, summaries_of
from .agreement import READINESS
from .federation import Refused
from .topology import HubEntry, Topology

log = logging.getLogger(__name__)
#: The weeks a national hub shares: the ones its recorder still gathers handshakes for.
WEEKS = 2
#: How far ahead of this hub's clock a summary's ``generated`` may be.
SKEW = timedelta(hours=1)
_FIELDS = frozenset({"kind", "version", "country", "period", "generated", "endpoints", "connections", "by_sector"})
_SECTORS = frozenset({*SECTORS, UNASSIGNED})


def check_summary(document: object, country: str) -> tuple[date, datetime, dict]:
    """A member's summary checked: its week, when it was generated, and the summary as it will be kept.
    ReadinessError says what is wrong; a field beyond the counts is refused, since it might carry names."""
    if not isinstance(document, dict) or document.get("kind") != KIND or document.get("version") != VERSION:
        raise ReadinessError(f"not a {KIND} document of version {VERSION}")
    extra = sorted(set(document) - _FIELDS)
    if extra:
        raise ReadinessError(f"unexpected field {extra[0][:64]!r}: a summary holds counts only")
    if document.get("country") != country:
        raise ReadinessError(f"the summary is for {str(document.get('country'))[:16]!r}; the sender is in {country}")
    period, generated = _week(document.get("period")), _generated(document.get("generated"))
    by_sector = document.get("by_sector")
    if not isinstance(by_sector, dict):
        raise ReadinessError("by_sector: expected counts by sector")
    unknown = sorted(set(by_sector) - _SECTORS)
    if unknown:
        raise ReadinessError(f"by_sector: {unknown[0][:64]!r} is not a NIS2 sector or {UNASSIGNED!r}")
    sectors = {sector: status_counts(counts, f"by_sector.{sector}") for sector, counts in sorted(by_sector.items())}
    endpoints = status_counts(document.get("endpoints"), "endpoints")
    if {s: sum(c[s] for c in sectors.values()) for s in STATUSES} != endpoints:
        raise ReadinessError("by_sector does not add up to the endpoints by status")
    return period, generated, {
        "kind": KIND, "version": VERSION, "country": country, "period": period.isoformat(),
        "generated": generated.isoformat(), "endpoints": endpoints,
        "connections": status_counts(document.get("connections"), "connections"), "by_sector": sectors}


def _week(value: object) -> date:
    try:
        week = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        week = None
    if week is None or week.weekday() != 0:
        raise ReadinessError(f"period: {str(value)[:32]!r} is not the Monday (YYYY-MM-DD) a week starts on")
    if week > datetime.now(UTC).date():
        raise ReadinessError(f"period: the week of {week} has not begun")
    return week


def _generated(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ReadinessError(f"generated: {str(value)[:40]!r} is not an ISO 8601 time with its UTC offset")
    if moment > datetime.now(UTC) + SKEW:
        raise ReadinessError(f"generated: {moment.isoformat()} is in the future")
    return moment.astimezone(UTC)


class ReadinessSharing:
    """One hub's part: a national hub shares (a thread, from its recorder's snapshots); a cross-border hub keeps
    its members' summaries and rolls them up. ``send(recipient, payload)`` puts a payload in the outbox."""

    def __init__(self, service: HubService, topology: Topology, me: HubEntry, send: Callable[[str, dict], None]):
        self.service, self.topology, self.me, self.send = service, topology, me, send
        self.sessions = service.context.sessions
        self.every = service.config.network.readiness_share_seconds
        self._queued: dict[tuple[str, date], bytes] = {}  # the figures last queued per recipient and week
        self._lock = threading.Lock()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        if me.role == "national" and self.recipients():
            service.pqc.on_record.append(self._wake.set)
            self._thread = threading.Thread(target=self._run, name="pqc-readiness", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- a national hub ---------------------------------------------------------------------------

    def recipients(self) -> list[HubEntry]:
        """The cross-border hubs this hub belongs to whose agreement shares readiness figures."""
        return [h for h in self.topology.cross_border_of(self.me.name) if READINESS in h.agreement.share_types]

    def share(self, force: bool = True) -> list[dict]:
        """Queue the summaries of the newest weeks for every recipient: all of them (``force``), or those whose
        figures changed since they were last queued; returns ``{hub, period, endpoints}`` for each queued."""
        queued = []
        with self._lock:
            recipients = self.recipients()
            for week, rows in read_weeks(self.sessions, WEEKS).items():
                summary = week_summary(rows, self.me.country, week, SECTORS)
                figures = orjson.dumps({k: v for k, v in summary.items() if k != "generated"})
                for hub in recipients:
                    if force or self._queued.get((hub.name, week)) != figures:
                        self.send(hub.name, summary)
                        self._queued[(hub.name, week)] = figures
                        queued.append({"hub": hub.name, "period": summary["period"],
                                       "endpoints": sum(summary["endpoints"].values())})
        if queued:
            self.service.context.counters.add("readiness_shared", len(queued))
        return queued

    def _run(self) -> None:
        due = time.monotonic()  # at start: a cross-border hub that lost what it held gets it again
        while not self._stop.is_set():
            self._wake.wait(max(0.0, due - time.monotonic()))
            self._wake.clear()
            if self._stop.is_set():
                return
            forced = time.monotonic() >= due
            try:
                self.share(force=forced)
            except Exception:  # a database hiccup: the next round tries again
                log.exception("sharing the readiness figures failed")
            if forced:
                due = time.monotonic() + self.every

    # -- a cross-border hub -----------------------------------------------------------------------

    @staticmethod
    def carries(payload: object) -> bool:
        """Whether an envelope's payload is a readiness summary (rather than a STIX bundle)."""
        return isinstance(payload, dict) and payload.get("kind") == KIND

    def receive(self, sender: HubEntry, payload: dict) -> dict:
        """Keep a member's summary; ``Refused`` when the agreement does not share them or the summary is bad."""
        counters = self.service.context.counters
        if READINESS not in self.me.agreement.share_types:
            counters.reject("not-agreed")
            raise Refused("not-agreed", f"the agreement of {self.me.name} does not share {READINESS}")
        try:
            period, generated, summary = check_summary(payload, sender.country)
        except ReadinessError as exc:
            counters.reject("bad-readiness")
            log.warning("readiness summary from %s refused: %s", sender.name, exc)
            raise Refused("bad-readiness", str(exc), 400) from None
        stored = keep_summary(self.sessions, sender.country, period, sender.name, generated, summary)
        counters.add("readiness_received")
        return {"status": "applied", "readiness": {"country": sender.country, "period": summary["period"],
                                                   "stored": stored}}

    def picture(self, period: date | None = None) -> dict:
        """The roll-up of the members' summaries for the week ``period`` (default: the newest any member sent),
        with the weeks held, who reported when, and the member countries missing."""
        periods = readiness_periods(self.sessions)
        chosen = period or (periods[0] if periods else None)
        members = {self.topology.entry(m).country for m in self.me.agreement.members}
        held = [h for h in summaries_of(self.sessions, chosen) if h["country"] in members] if chosen else []
        return {"hub": self.me.name, "period": chosen.isoformat() if chosen else None,
                "periods": [p.isoformat() for p in periods], **rollup([h["document"] for h in held]),
                "reported": {h["country"]: {"hub": h["hub"], "generated": h["generated"].isoformat(),
                                            "received": h["received"].isoformat()} for h in held},
                "missing": sorted(members - {h["country"] for h in held})}
