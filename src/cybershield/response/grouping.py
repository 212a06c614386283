"""Grouping alerts into incidents by configurable rules.

Two alerts belong together when they share a key of an enabled rule (the same host, user, indicator
or campaign; optionally the same technique or the same log source) and the later one comes within
the window of the group's last alert (a sliding window: every key of a group stays live while the
group keeps getting alerts, so a slow chain that moves from a host to its user stays one incident). Open incidents take part through the keys and the last alert time they already hold,
so that a new alert joins the incident it continues. Keys are read from the alert's context (its
matched fields, a correlation's group, the indicator) by ECS field name, matched on the end of the
dotted path, case-insensitively. An alert that yields no key at all (a Sigma alert carries only its
event's provenance) is keyed by its log source (the file or sensor its event came from; for per-host
logs such as EVTX, the host).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import ResponseError

#: rule -> the ECS field names (suffixes of the dotted path in the alert's context) that give its key
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "host": ("host.name", "host.hostname", "agent.hostname", "observer.hostname", "winlog.computer_name",
             "computer"),
    "user": ("user.name", "source.user.name", "targetusername", "subjectusername"),
    "indicator": ("indicator.id",),
    "campaign": ("campaign", "campaign.id", "threat.campaign.id"),
    "technique": (),
    "source": (),
}
DEFAULT_RULES = ("host", "user", "indicator", "campaign")
SEVERITY_ORDER = ("informational", "low", "medium", "high", "critical")


@dataclass(frozen=True)
class GroupingRules:
    rules: tuple[str, ...] = DEFAULT_RULES
    window: timedelta = timedelta(hours=2)
    fields: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FIELDS))

    @classmethod
    def from_config(cls, config) -> GroupingRules:
        """From the hub configuration's ``response.grouping`` (``hub.GroupingConfig``: rules or None for the
        default ones, ``window_minutes``, per-rule field names)."""
        rules = tuple(config.rules or DEFAULT_RULES)
        unknown = [r for r in [*rules, *config.fields] if r not in DEFAULT_FIELDS]
        if unknown:
            raise ResponseError(f"unknown grouping rule(s) {unknown}; known: {', '.join(DEFAULT_FIELDS)}")
        return cls(rules, timedelta(minutes=config.window_minutes),
                   {**DEFAULT_FIELDS, **{rule: tuple(names) for rule, names in config.fields.items()}})


@dataclass(frozen=True)
class AlertView:
    """What grouping reads of a stored alert."""

    id: str
    time: datetime
    rule_title: str
    level: str
    techniques: tuple[str, ...]
    document: dict


@dataclass
class OpenIncident:
    id: str
    keys: set[str]
    last_seen: datetime


@dataclass
class Group:
    alerts: list[AlertView]
    keys: set[str]
    incident_id: str | None = None  # the open incident it continues, if any

    @property
    def severity(self) -> str:
        return max((a.level for a in self.alerts), key=lambda lv: SEVERITY_ORDER.index(lv) if lv in SEVERITY_ORDER else 2)

    @property
    def techniques(self) -> list[str]:
        return sorted({t for a in self.alerts for t in a.techniques})

    @property
    def last_seen(self) -> datetime:
        return max(a.time for a in self.alerts)


def _flatten(value, prefix: str = "") -> Iterable[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item, prefix)
    else:
        yield prefix.lower(), value


def alert_keys(alert: AlertView, rules: GroupingRules) -> set[str]:
    """The grouping keys of an alert, as ``rule:value``."""
    keys: set[str] = set()
    flat = list(_flatten(alert.document.get("context") or {}))
    provenance = (alert.document.get("event") or {}).get("provenance") or {}
    for rule in rules.rules:
        if rule == "technique":
            keys.update(f"technique:{t}" for t in alert.techniques)
        elif rule == "source" and provenance.get("source"):
            keys.add(f"source:{provenance['source']}")
        for path, value in flat:
            if value not in (None, "", "-") and any(path == f or path.endswith("." + f) for f in rules.fields[rule]):
                keys.add(f"{rule}:{str(value).lower()}")
    if not keys and provenance.get("source"):  # nothing names a host or user: the log it came from stands in
        keys.add(f"source:{provenance['source']}")
    return keys


def group_alerts(alerts: Iterable[AlertView], rules: GroupingRules,
                 open_incidents: Iterable[OpenIncident] = ()) -> list[Group]:
    """Groups of the alerts (each alert in exactly one); a group that continues an open incident names it."""
    alerts = sorted(alerts, key=lambda a: (a.time, a.id))
    parent = list(range(len(alerts)))
    incident_of: dict[int, str] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    last: dict[str, tuple[datetime, int | str]] = {}
    incident_keys: dict[str, set[str]] = {}
    for incident in open_incidents:
        incident_keys[incident.id] = set(incident.keys)
        for key in incident.keys:
            last[key] = (incident.last_seen, incident.id)
    keys_of = [alert_keys(a, rules) for a in alerts]
    live: dict[int, set[str]] = {}  # root -> every key of its group, kept fresh while the group is active
    for i, (alert, keys) in enumerate(zip(alerts, keys_of, strict=True)):
        live[i] = set(keys)
        for key in keys:
            seen = last.get(key)
            if seen is None or alert.time - seen[0] > rules.window:
                continue
            other, root = seen[1], find(i)
            if isinstance(other, str):
                if incident_of.setdefault(root, other) == other:
                    live[root] |= incident_keys[other]
                continue
            other = find(other)
            if other != root:
                parent[other] = root
                live[root] |= live.pop(other)
                if other in incident_of:
                    incident_of.setdefault(root, incident_of.pop(other))
        root = find(i)
        for key in live[root]:
            last[key] = (alert.time, root)
    groups: dict[int, Group] = {}
    for i, alert in enumerate(alerts):
        root = find(i)
        group = groups.setdefault(root, Group([], set(), incident_of.get(root)))
        group.alerts.append(alert)
        group.keys |= keys_of[i]
    return list(groups.values())
