"""What an incident holds beyond its columns, and the changes an analyst may make to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


#: what ``update`` accepts (CLI options, API body keys): columns, plain fields, and lists it adds to
COLUMN_KEYS = ("status", "severity", "owner", "title", "entity_type", "sector")
ADDITION_KEYS = {"note": "notes", "task": "tasks", "observable": "observables", "technique": "techniques",
                 "software": "software", "mitigation": "mitigation", "vulnerability": "vulnerabilities",
                 "lesson": "lessons", "cause": "causes", "country": "countries", "add_entity": "entities",
                 "event": "timeline"}


def build_changes(values: dict, actor: str, tz) -> Changes:
    """A :class:`Changes` from flat values as a person gives them (``None`` or absent: unchanged): the columns,
    the plain fields (``intermediate_due`` an ISO time), and lists of text to add (notes, tasks, ``TYPE=VALUE``
    observables, ``NAME|TYPE|SECTOR|CC`` entities, ``TIME|HUB|WHAT`` timeline events, comma-separated ids)."""
    unknown = sorted(set(values) - set(COLUMN_KEYS) - set(PLAIN_FIELDS) - set(ADDITION_KEYS))
    if unknown:
        raise ResponseError(f"unknown field(s) {', '.join(unknown)}; known: "
                            f"{', '.join([*COLUMN_KEYS, *PLAIN_FIELDS, *ADDITION_KEYS])}")
    given = {k: v for k, v in values.items() if v is not None}
    for key in ADDITION_KEYS:
        items = given.get(key, [])
        if isinstance(items, str) or not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ResponseError(f"{key} takes a list of text")
    if "hub" in given:
        raise ResponseError("hub is set by the hub, not by an update")
    columns = {k: given[k] for k in COLUMN_KEYS if k in given}
    fields = {k: given[k] for k in PLAIN_FIELDS if k in given}
    if "intermediate_due" in fields:
        fields["intermediate_due"] = parse_time(str(fields["intermediate_due"]), tz).isoformat()
    now = iso(datetime.now(UTC))

    def ids(key: str, upper: bool = False) -> list[str]:
        found = [v.strip() for value in given.get(key, []) for v in value.split(",") if v.strip()]
        return [v.upper() for v in found] if upper else found

    additions = {
        "notes": [{"at": now, "author": actor, "text": n} for n in given.get("note", [])],
        "tasks": [{"text": t, "done": False} for t in given.get("task", [])],
        "observables": [parse_observable(o) for o in given.get("observable", [])],
        "techniques": ids("technique", upper=True), "software": ids("software"),
        "mitigation": given.get("mitigation", []), "vulnerabilities": given.get("vulnerability", []),
        "lessons": given.get("lesson", []), "causes": given.get("cause", []),
        "countries": ids("country", upper=True),
        "entities": [parse_entity(e) for e in given.get("add_entity", [])],
        "timeline": [parse_event(e, tz) for e in given.get("event", [])],
    }
    return Changes(columns, fields, additions)
