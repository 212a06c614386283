"""What an incident holds beyond its columns, and the changes an analyst may make to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .clock import ENTITY_TYPES, iso, parse_time
from .errors import ResponseError
from .grouping import SEVERITY_ORDER

SEVERITIES = ("low", "medium", "high", "critical")
#: list fields of the incident document that ``update`` appends to
LIST_FIELDS = ("observables", "techniques", "software", "mitigation", "vulnerabilities", "lessons", "countries",
               "entities", "tasks", "notes", "causes", "timeline")
#: plain fields of the incident document that ``update`` replaces
PLAIN_FIELDS = ("description", "impact", "root_cause", "threat_type", "suspected_malicious", "cross_border",
                "significant", "intermediate_due", "hub")
OBSERVABLE_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url", "file:hashes.'SHA-256'", "file:hashes.MD5",
                    "email-addr", "user-account", "host", "vulnerability")


def new_id(prefix: str = "INC") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def severity_of(level: str) -> str:
    """An alert level as an incident severity (informational counts as low)."""
    return "low" if level not in SEVERITY_ORDER or level == "informational" else level


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise ResponseError(f"unknown severity {severity!r}; one of: {', '.join(SEVERITIES)}")
    return severity


def check_entity_type(entity_type: str | None) -> str | None:
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        raise ResponseError(f"unknown entity type {entity_type!r}; one of: {', '.join(ENTITY_TYPES)}")
    return entity_type


def parse_observable(text: str) -> dict:
    """``type=value`` (e.g. ``ipv4-addr=203.0.113.9``) as an observable."""
    kind, sep, value = text.partition("=")
    kind, value = kind.strip(), value.strip()
    if not sep or not value or kind not in OBSERVABLE_TYPES:
        raise ResponseError(f"an observable is TYPE=VALUE with TYPE one of {', '.join(OBSERVABLE_TYPES)}: {text!r}")
    return {"type": kind, "value": value}


def parse_entity(text: str) -> dict:
    """``name|type|sector|country`` (the last three optional) as an affected entity."""
    name, entity_type, sector, country = ([p.strip() or None for p in text.split("|")] + [None] * 3)[:4]
    if not name:
        raise ResponseError(f"an entity is NAME|TYPE|SECTOR|COUNTRY: {text!r}")
    return {"name": name, "type": check_entity_type(entity_type), "sector": sector, "country": country}


@dataclass
class Changes:
    """One update of an incident: columns to set, document fields to set and list items to add."""

    columns: dict = field(default_factory=dict)  # title, status, severity, owner, entity_type, sector
    fields: dict = field(default_factory=dict)
    additions: dict[str, list] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns or self.fields or any(self.additions.values()))

    def as_dict(self) -> dict:
        return {**self.columns, **self.fields, **{f"add_{k}": v for k, v in self.additions.items() if v}}


def parse_event(text: str, tz) -> dict:
    """``ISO-TIME|HUB|what happened`` as a timeline entry (a peer hub's step of a shared incident)."""
    at, hub, what = ([p.strip() for p in text.split("|", 2)] + ["", ""])[:3]
    if not at or not what:
        raise ResponseError(f"a timeline event is TIME|HUB|WHAT: {text!r}")
    return {"at": iso(parse_time(at, tz)), "hub": hub or None, "what": what}
