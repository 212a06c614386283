"""Campaigns across countries: a cross-border hub's shared incidents clustered by what they have in common.

Two shared incidents belong to one campaign when they share an indicator, a piece of software or a chain of
techniques (``response.attribution.cluster_incidents``), among the incidents last seen within the window
(:data:`WINDOW`, 90 days); a campaign is named after its earliest incident, so its id stays while incidents
join it. Only campaigns of two incidents or more are listed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ..intel.stixtime import format_time
from ..response.attribution import (
    AttributionModel,
    Campaign,
    attribute_campaign,
    cluster_incidents,
    cluster_of,
)
from ..response.errors import ResponseError
from ..storage.shared_incidents import shared_incidents
from .agreement import SEVERITIES, severity_rank
from .warnings import stable_id

WINDOW = timedelta(days=90)


def campaigns(sessions: sessionmaker[Session], model: AttributionModel | None = None,
              window: timedelta = WINDOW) -> list[dict]:
    """Every campaign of the shared incidents within ``window``, earliest first; with ``model`` the intrusion
    sets ranked for each too (``attribution``; ``{"error": why}`` for one with nothing known to ATT&CK)."""
    incidents = _recent(sessions, window)
    found = [_describe(c, incidents, model) for c in cluster_incidents(_clustered(incidents))]
    return sorted(found, key=lambda c: (c["first_seen"], c["id"]))


def campaign_of(sessions: sessionmaker[Session], incident_id: str, window: timedelta = WINDOW) -> dict | None:
    """The campaign that shared incident ``incident_id`` belongs to, or None."""
    incidents = _recent(sessions, window)
    found = cluster_of(_clustered(incidents), incident_id)
    return _describe(found, incidents) if found else None


def _recent(sessions: sessionmaker[Session], window: timedelta) -> dict[str, dict]:
    return {i["id"]: i for i in shared_incidents(sessions, datetime.now(UTC) - window)}


def _clustered(incidents: dict[str, dict]) -> list[dict]:
    return [{"id": i["id"], "hub": i["hub"], "indicators": i["observables"], "software": i["software"],
             "techniques": i["techniques"]} for i in incidents.values()]


def _describe(campaign: Campaign, incidents: dict[str, dict], model: AttributionModel | None = None) -> dict:
    members = sorted((incidents[i.id] for i in campaign.incidents), key=lambda i: (i["first_seen"], i["id"]))
    facts = campaign.as_dict()
    if model is not None:
        try:
            facts = attribute_campaign(model, campaign)
        except ResponseError as exc:  # nothing of it is in ATT&CK: the others are still ranked
            facts["attribution"] = {"error": exc.message}
    return {
        "id": stable_id("campaign", members[0]["id"]), "countries": sorted({m["country"] for m in members}),
        "severity": SEVERITIES[max(severity_rank(m["severity"]) for m in members)],
        "first_seen": format_time(members[0]["first_seen"]), "last_seen": format_time(max(m["last_seen"] for m in members)),
        "incidents": [{"id": m["id"], "country": m["country"], "severity": m["severity"], "sector": m["sector"],
                       "first_seen": format_time(m["first_seen"]), "last_seen": format_time(m["last_seen"])}
                      for m in members],
        **{k: v for k, v in facts.items() if k != "incidents"}}
