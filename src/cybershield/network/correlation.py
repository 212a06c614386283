"""Cross-border correlation: members' sightings in, early warnings out.

A cross-border hub keeps every sighting its members share (each applied once, by its STIX id). When an
observable is sighted in at least ``min_countries`` member countries within the window, it issues an
early warning (a STIX report, see :mod:`.warnings`) to every member; a country that joins later gives a
new version of the same report. A warning whose sightings meet the large-scale rule is escalated
(an escalation package for EU-CyCLONe and the CSIRTs network).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from ..storage import network_state
from .agreement import Agreement, severity_rank
from .observables import Observable
from .warnings import Warning, build_warning

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sighting:
    """One member's sighting of one observable, anonymised to its country."""

    id: str
    observable: Observable
    country: str
    hub: str
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    severity: str = "medium"
    techniques: tuple[str, ...] = ()
    indicator_id: str | None = None

    def row(self) -> dict:
        return {"id": self.id, "observable": self.observable.key, "country": self.country, "hub": self.hub,
                "first_seen": self.first_seen, "last_seen": self.last_seen, "count": self.count,
                "severity": self.severity, "techniques": list(self.techniques), "indicator_id": self.indicator_id,
                "received": datetime.now(UTC)}


class Correlator:
    """The cross-border hub's correlation over its database."""

    def __init__(self, sessions: sessionmaker[Session], hub: str, agreement: Agreement):
        self.sessions, self.hub, self.agreement = sessions, hub, agreement
        self._lock = threading.Lock()  # members' envelopes arrive concurrently: one judgement at a time

    def add(self, sightings: list[Sighting]) -> list[Warning]:
        """Apply ``sightings`` (those already held are kept once); returns the warnings issued or updated.

        Every observable of ``sightings`` is judged, held before or not, so that a delivery that failed half
        way (the sender retries it) still ends in the warning it should give."""
        with self._lock:
            network_state.add_sightings(self.sessions, (s.row() for s in sightings))
            latest: dict[str, datetime] = {}
            for s in sightings:
                latest[s.observable.key] = max(latest.get(s.observable.key, s.last_seen), s.last_seen)
            judged = {key: w for key in sorted(latest) if (w := self._judge(key, latest[key])) is not None}
            network_state.save_warnings(self.sessions, [  # one transaction for all: one commit, not one each
                {"id": w.report_id, "observable": key, "countries": w.countries, "created": w.created,
                 "modified": w.modified, "escalated": w.escalated, "document": w.bundle} for key, w in judged.items()])
            for key, w in judged.items():
                log.info("early warning %s: %s sighted in %s%s", w.report_id, key, ", ".join(w.countries),
                         " (large-scale: escalated)" if w.escalated else "")
            return list(judged.values())

    def _judge(self, key: str, moment: datetime) -> Warning | None:
        """The warning about ``key`` that its sightings up to ``moment`` give now, if there is a new one to say."""
        rule = self.agreement.warning
        countries = network_state.countries_of(self.sessions, key, moment - rule.window)
        if len(countries) < rule.min_countries:
            return None
        held = network_state.warning_of(self.sessions, key)
        if held is not None and set(held.countries) == {c["country"] for c in countries}:
            return None  # nothing new to say: the same countries as the warning already sent
        sightings = network_state.sightings_of(self.sessions, key, moment - rule.window)
        severe = {s.country for s in sightings
                  if severity_rank(s.severity) >= severity_rank(self.agreement.escalation.min_severity)}
        escalated = len(severe) >= self.agreement.escalation.min_countries
        type_, _, value = key.partition("=")
        return build_warning(self.hub, Observable(type_, value), countries, sightings, self.agreement,
                             created=held.created if held else None, escalated=escalated)
