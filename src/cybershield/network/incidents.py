"""A cross-border hub's incident desk: the incidents its members share, their campaigns and their warnings.

A member's incident (:mod:`.incident_share`) is checked before anything is kept: a STIX ``incident`` with
its facts, a known severity, times, ATT&CK technique ids, and only external observables (an internal
address refuses the whole incident: the member broke the agreement). Each version is kept once (by the
incident's id and ``modified``), so a redelivery changes nothing. An incident of at least the warning rule's
``incident_severity`` with indicators gives an early warning to every member (one report per incident, a
newer version when its indicators or severity change), naming the campaign it belongs to across countries
(:mod:`.campaigns`); a campaign whose severe incidents span the large-scale rule's countries is escalated.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from ..intel.stixtime import parse_time
from ..storage import network_state
from ..storage.shared_incidents import save_incident
from .agreement import SEVERITIES, Agreement, severity_rank
from .campaigns import campaign_of
from .incident_share import FACTS, MAX_ITEMS, SECTOR, TECHNIQUE
from .observables import Observable, typed_observables
from .warnings import Warning, build_incident_warning

log = logging.getLogger(__name__)


class BadIncident(ValueError):
    """A shared incident this hub will not keep; the message says why."""


@dataclass(frozen=True)
class Taken:
    """What became of one shared incident: ``new`` is False when this version (or a newer one) was held."""

    id: str
    new: bool
    warning: Warning | None = None

    def as_dict(self) -> dict:
        return {"status": "applied", "incident": self.id, "new": self.new,
                "warning": self.warning.report_id if self.warning else None}


def carries_incident(payload: object) -> bool:
    """Whether a member's payload is an incident (a bundle holding an ``incident``), not sightings."""
    objects = payload.get("objects") if isinstance(payload, dict) else None
    return isinstance(objects, list) and any(isinstance(o, dict) and o.get("type") == "incident" for o in objects)


def read_incident(payload: dict, hub: str, country: str) -> dict:
    """The row to keep of the incident in ``payload``, shared by ``hub`` of ``country``; BadIncident says why not."""
    found = [o for o in payload["objects"] if isinstance(o, dict) and o.get("type") == "incident"]
    if len(found) != 1:
        raise BadIncident(f"one incident per envelope; this one holds {len(found)}")
    incident = found[0]
    facts = incident.get(FACTS)
    if not isinstance(facts, dict):
        raise BadIncident(f"the incident carries no {FACTS}")
    try:
        keys = _texts(facts, "observables", 2200)
        observables = [Observable(*key.split("=", 1)) for key in keys if "=" in key]
        if len(observables) != len(keys):
            raise BadIncident("an observable is TYPE=VALUE")
        internal = [o.key for o in observables if not _external(o)]
        if internal:
            raise BadIncident(f"internal or unshareable observables may not leave a country: {', '.join(internal[:3])}")
        techniques = _texts(facts, "techniques", 16)
        if any(not TECHNIQUE.match(t) for t in techniques):
            raise BadIncident("techniques are ATT&CK ids (T1234 or T1234.001)")
        severity = facts.get("severity")
        if severity not in SEVERITIES:
            raise BadIncident(f"severity must be one of {', '.join(SEVERITIES)}, not {str(severity)[:40]!r}")
        sector = facts.get("sector")
        if sector is not None and not (isinstance(sector, str) and SECTOR.match(sector)):
            raise BadIncident("sector is a short name")
        first, last = parse_time(facts["first_seen"]), parse_time(facts["last_seen"])
        modified = parse_time(incident["modified"])
        if last < first:
            raise BadIncident("last_seen is before first_seen")
        incident_id = str(incident["id"])
        if not incident_id.startswith("incident--") or len(incident_id) > 128:
            raise BadIncident("the incident's id is no STIX incident id")
    except (KeyError, TypeError, ValueError) as exc:
        raise BadIncident(exc.args[0] if isinstance(exc, BadIncident) else f"{type(exc).__name__}: {exc}"[:300]) from None
    return {"id": incident_id, "hub": hub, "country": country, "severity": severity, "sector": sector,
            "first_seen": first, "last_seen": last, "modified": modified, "received": datetime.now(UTC),
            "facts": {"observables": sorted(keys), "techniques": sorted(set(techniques)),
                      "software": sorted(set(_texts(facts, "software", 128))),
                      "status": str(facts.get("status", ""))[:32], "entity_type": str(facts.get("entity_type") or "")[:32]},
            "document": payload}


class IncidentDesk:
    """The shared incidents of a cross-border hub over its database."""

    def __init__(self, sessions: sessionmaker[Session], hub: str, agreement: Agreement):
        self.sessions, self.hub, self.agreement = sessions, hub, agreement
        self._lock = threading.Lock()  # one judgement at a time, as members' envelopes arrive concurrently

    def take(self, row: dict) -> Taken:
        """Keep ``row`` (``read_incident``) unless a version as new is held; warn when the rule says so.
        BadIncident when the agreement takes no incidents."""
        if "incident" not in self.agreement.share_types:
            raise BadIncident(f"the agreement of {self.hub} takes no incidents")
        with self._lock:
            before = save_incident(self.sessions, row)
            if before is None:
                return Taken(row["id"], new=False)
            incident = {**{k: v for k, v in row.items() if k not in ("facts", "document")}, **row["facts"]}
            worth = bool(incident["observables"]) and (
                severity_rank(incident["severity"]) >= severity_rank(self.agreement.warning.incident_severity))
            changed = not before or any(before.get(k) != incident[k] for k in ("observables", "severity", "techniques"))
            return Taken(row["id"], True, self._warn(incident) if worth and changed else None)

    def _warn(self, incident: dict) -> Warning:
        campaign = campaign_of(self.sessions, incident["id"])
        members = [{**m, "first_seen": parse_time(m["first_seen"]), "last_seen": parse_time(m["last_seen"])}
                   for m in campaign["incidents"]] if campaign else [incident]
        rule = self.agreement.escalation
        severe = {m["country"] for m in members if severity_rank(m["severity"]) >= severity_rank(rule.min_severity)}
        escalated = len(severe) >= rule.min_countries
        key = f"incident={incident['id']}"
        held = network_state.warning_of(self.sessions, key)
        warning = build_incident_warning(self.hub, incident, _countries(members), self.agreement, campaign,
                                         created=held.created if held else None, escalated=escalated)
        network_state.save_warning(self.sessions, {
            "id": warning.report_id, "observable": key, "countries": warning.countries, "created": warning.created,
            "modified": warning.modified, "escalated": escalated, "document": warning.bundle})
        log.info("early warning %s: %s incident shared by %s%s", warning.report_id, incident["severity"],
                 incident["country"], " (large-scale: escalated)" if escalated else "")
        return warning


def _countries(incidents: list[dict]) -> list[dict]:
    """Per country, how many of ``incidents`` and their first and last seen."""
    by: dict[str, dict] = {}
    for i in incidents:
        c = by.setdefault(i["country"], {"country": i["country"], "count": 0, "first_seen": i["first_seen"],
                                         "last_seen": i["last_seen"]})
        c["count"] += 1
        c["first_seen"], c["last_seen"] = min(c["first_seen"], i["first_seen"]), max(c["last_seen"], i["last_seen"])
    return [by[c] for c in sorted(by)]


def _external(observable: Observable) -> bool:
    """Whether an observable may leave a country (what the sharing side keeps, judged again here)."""
    return typed_observables([{"type": observable.type, "value": observable.value}]) == [observable]


def _texts(facts: dict, key: str, longest: int) -> list[str]:
    items = facts.get(key) or []
    if not isinstance(items, list) or len(items) > MAX_ITEMS or not all(
            isinstance(i, str) and 0 < len(i) <= longest for i in items):
        raise BadIncident(f"{key} is a list of at most {MAX_ITEMS} texts of at most {longest} characters")
    return items
