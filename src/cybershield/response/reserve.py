"""EU Cybersecurity Reserve (Cyber Solidarity Act, Arts. 14-15): providers, requests, priority, clocks.

A support request built from an incident states (Art. 15) the entity concerned and the potential
impact of the incident, the support needed with its planned use and estimated needs, and the
measures already taken. Requests are ordered by a priority score out of 100, by the criteria of
Art. 14 in this order and with these weights:

1. severity of the incident: critical 40, high 30, medium 15, low 5;
2. type of entity: essential entity or trust service provider 25, important entity 10, other 0;
3. cross-border spill-over: 0 for one member state, 12 when it reaches (or is likely to reach)
   another, plus 4 for each further member state, at most 20;
4. measures already taken to respond: 5 for each, at most 15.

Ties go to the earlier request. The answer is due 48 hours after the request; the user's report on
the support one calendar month after the support ended (the clock's month rule).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import yaml

from .errors import ResponseError

SEVERITY_POINTS = {"critical": 40, "high": 30, "medium": 15, "low": 5}
ENTITY_POINTS = {"essential": 25, "trust-service": 25, "important": 10}
SPILLOVER_FIRST, SPILLOVER_EACH, SPILLOVER_MAX = 12, 4, 20
MEASURE_POINTS, MEASURES_MAX = 5, 15
ANSWER_WITHIN = timedelta(hours=48)
AVAILABILITY = ("available", "limited", "unavailable")
STATUSES = ("requested", "assigned", "declined", "ended", "reported")


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    capabilities: tuple[str, ...]
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    availability: str = "available"
    contact: str | None = None

    @classmethod
    def of(cls, item: object, where: str) -> Provider:
        if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
            raise ResponseError(f"{where}: a provider needs at least an id and a name")
        availability = str(item.get("availability", "available")).lower()
        if availability not in AVAILABILITY:
            raise ResponseError(f"{where}: availability is one of {', '.join(AVAILABILITY)}, not {availability!r}")

        def strings(name: str, upper: bool = False) -> tuple[str, ...]:
            value = item.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ResponseError(f"{where}: {name} must be a list of strings")
            return tuple(v.upper() if upper else v.lower() for v in value)

        return cls(str(item["id"]), str(item["name"]), strings("capabilities"), strings("countries", upper=True),
                   strings("languages"), availability, item.get("contact"))

    def as_dict(self) -> dict:
        return asdict(self)


def read_registry(path: Path) -> list[Provider]:
    """Providers from a YAML or JSON file: a list, or a mapping with ``providers``."""
    try:
        text = path.read_text()
        data = orjson.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise ResponseError(f"{path}: cannot read the provider registry ({exc})") from None
    if isinstance(data, dict):
        data = data.get("providers")
    if not isinstance(data, list):
        raise ResponseError(f"{path}: expected a list of providers (or a mapping with 'providers')")
    providers = [Provider.of(item, f"{path} provider {i + 1}") for i, item in enumerate(data)]
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        raise ResponseError(f"{path}: provider ids must be unique")
    return providers


@dataclass(frozen=True)
class SupportNeeds:
    """What the request asks for (Art. 15): the services, their planned use and the estimated needs."""

    capabilities: tuple[str, ...]
    planned_use: str
    estimated_needs: str | None = None
    measures_taken: tuple[str, ...] = ()
    languages: tuple[str, ...] = field(default_factory=tuple)


def priority(severity: str, entity_type: str | None, member_states: int, cross_border: bool,
             measures: int) -> tuple[float, dict]:
    """The priority score and its parts (see the module's documentation for the weights)."""
    spread = max(member_states, 2 if cross_border else 1)
    parts = {
        "severity": SEVERITY_POINTS.get(severity, 0),
        "entity": ENTITY_POINTS.get(entity_type or "", 0),
        "spillover": 0 if spread < 2 else min(SPILLOVER_MAX, SPILLOVER_FIRST + SPILLOVER_EACH * (spread - 2)),
        "measures": min(MEASURES_MAX, MEASURE_POINTS * measures),
    }
    return float(sum(parts.values())), parts


def request_content(incident: dict, needs: SupportNeeds) -> dict:
    """The Art. 15 content of a support request for a store view of an incident."""
    if not needs.capabilities:
        raise ResponseError("a support request names the support needed (--need CAPABILITY, repeatable)")
    if not needs.planned_use.strip():
        raise ResponseError("a support request states the planned use of the support (--use TEXT)")
    entities = incident.get("entities") or [{"name": None, "type": incident.get("entity_type"),
                                             "sector": incident.get("sector"), "country": None}]
    return {
        "entity": entities[0],
        "entities": entities,
        "incident": {"id": incident["id"], "title": incident["title"], "severity": incident["severity"],
                     "status": incident["status"], "aware_at": incident["aware_at"]},
        "impact": {"description": incident.get("impact"), "member_states": incident.get("countries", []),
                   "cross_border": bool(incident.get("cross_border")) or len(incident.get("countries", [])) > 1},
        "support_needed": {"capabilities": [c.lower() for c in needs.capabilities], "planned_use": needs.planned_use,
                           "estimated_needs": needs.estimated_needs,
                           "languages": [lang.lower() for lang in needs.languages]},
        "measures_taken": list(dict.fromkeys([*incident.get("mitigation", []), *needs.measures_taken])),
    }


def incident_priority(content: dict, entity_type: str | None) -> tuple[float, dict]:
    impact = content["impact"]
    return priority(content["incident"]["severity"], entity_type, len(impact["member_states"]), impact["cross_border"],
                    len(content["measures_taken"]))


def match(providers: list[Provider], content: dict) -> list[dict]:
    """Providers that could take the request, best first: capability coverage, then availability, country, language."""
    needed = set(content["support_needed"]["capabilities"])
    languages = set(content["support_needed"]["languages"])
    country = (content["entity"] or {}).get("country")
    found = []
    for p in providers:
        if p.availability == "unavailable":
            continue
        covered = needed & set(p.capabilities)
        if not covered:
            continue
        found.append({"provider": p.id, "name": p.name, "covers": sorted(covered),
                      "missing": sorted(needed - covered), "availability": p.availability,
                      "in_country": bool(country and country.upper() in p.countries),
                      "language": not languages or bool(languages & set(p.languages))})
    found.sort(key=lambda m: (-len(m["covers"]), m["availability"] != "available", not m["in_country"],
                              not m["language"], m["provider"]))
    return found


def answer_due(requested_at: datetime) -> datetime:
    return requested_at + ANSWER_WITHIN
