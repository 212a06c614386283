"""Early warnings as STIX 2.1: a report naming the indicator, the ATT&CK techniques seen with it and the
recommended courses of action, with sighting counts per country and first/last seen, marked with the TLP
the agreement sets. Ids are derived from the cross-border hub and the observable, so a later version of
the same warning is the same report with a newer ``modified``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import stix2

from ..intel import marking_definition
from ..intel.stixtime import format_time
from .agreement import Agreement
from .observables import Observable


@dataclass(frozen=True)
class Warning:
    """A warning's report id, the countries behind it, its times and the STIX bundle that carries it."""

    report_id: str
    countries: list[str]
    created: datetime
    modified: datetime
    escalated: bool
    bundle: dict


def stable_id(kind: str, *parts: str) -> str:
    """A STIX id derived from ``parts``: the same object made again (a redelivery, a new version) keeps its id."""
    return f"{kind}--{uuid.uuid5(uuid.NAMESPACE_URL, 'cybershield/' + '/'.join(parts))}"


def build_warning(hub: str, observable: Observable, countries: list[dict], sightings: list, agreement: Agreement,
                  created: datetime | None = None, escalated: bool = False) -> Warning:
    """The warning about ``observable`` from ``countries`` (per-country counts and times) and ``sightings``."""
    now = datetime.now(UTC)
    created = created or now
    marking, common = _common(hub, agreement, created, now)
    first = min(c["first_seen"] for c in countries)
    last = max(c["last_seen"] for c in countries)
    names = [c["country"] for c in countries]
    techniques = sorted({t for s in sightings for t in s.techniques})
    indicator = _indicator(hub, observable, first, f"Sighted in {', '.join(names)} between {format_time(first)} "
                                                   f"and {format_time(last)}.", common)
    patterns = attack_patterns(techniques, common)
    actions = _actions(hub, observable, common)
    report = stix2.Report(
        id=stable_id("report", hub, "warning", observable.key), name=f"Early warning: {observable.value} sighted in "
        f"{len(names)} countries", report_types=["indicator", "threat-report"], published=format_time(now),
        object_refs=[indicator.id, *(p.id for p in patterns), *(a.id for a in actions)],
        description=f"{observable.value} was sighted in {', '.join(names)} within "
                    f"{agreement.warning.window.total_seconds() / 3600:g} h. Block it and hunt for it.",
        x_cybershield_warning={"observable": observable.key, "sightings": _by_country(countries),
                               "first_seen": format_time(first), "last_seen": format_time(last), "techniques": techniques,
                               "escalated": escalated}, **common)
    bundle = _bundle(hub, observable.key, now, marking, [indicator, *patterns, *actions, report])
    return Warning(report.id, names, created, now, escalated, bundle)


def build_incident_warning(hub: str, incident: dict, countries: list[dict], agreement: Agreement,
                           campaign: dict | None = None, created: datetime | None = None,
                           escalated: bool = False) -> Warning:
    """The warning about a member's shared ``incident`` (its stored row: country, severity, sector, times,
    ``observables``, ``techniques``), with the ``countries`` of its campaign (per-country incident counts and
    times) and the ``campaign`` itself when it belongs to one. Its id is derived from the incident's."""
    now = datetime.now(UTC)
    created = created or now
    marking, common = _common(hub, agreement, created, now)
    observables = [Observable(*key.split("=", 1)) for key in incident["observables"]]
    sector = f" ({incident['sector']})" if incident.get("sector") else ""
    indicators = [_indicator(hub, o, incident["first_seen"], f"Seen in a {incident['severity']} incident in "
                                                            f"{incident['country']}{sector}.", common)
                  for o in observables]
    patterns = attack_patterns(incident["techniques"], common)
    actions = [a for o in observables for a in _actions(hub, o, common)]
    names = [c["country"] for c in countries]
    spread = f"; its campaign spans {', '.join(names)}" if len(names) > 1 else ""
    report = stix2.Report(
        id=stable_id("report", hub, "incident-warning", incident["id"]),
        name=f"Early warning: {incident['severity']} incident in {incident['country']}{sector} with "
             f"{len(observables)} indicators", report_types=["indicator", "threat-report"],
        published=format_time(now), object_refs=[i.id for i in (*indicators, *patterns, *actions)],
        description=f"A member in {incident['country']} shared a {incident['severity']} incident{spread}. "
                    "Block its indicators and hunt for them.",
        x_cybershield_warning={"observable": incident["observables"][0], "observables": incident["observables"],
                               "incident": incident["id"], "severity": incident["severity"],
                               "sector": incident.get("sector"), "sightings": _by_country(countries),
                               "first_seen": format_time(incident["first_seen"]),
                               "last_seen": format_time(incident["last_seen"]), "techniques": incident["techniques"],
                               "campaign": campaign, "escalated": escalated}, **common)
    bundle = _bundle(hub, incident["id"], now, marking, [*indicators, *patterns, *actions, report])
    return Warning(report.id, names, created, now, escalated, bundle)


def attack_patterns(techniques: list[str], common: dict) -> list[stix2.AttackPattern]:
    """One ``attack-pattern`` per ATT&CK technique id (the same id wherever it is made)."""
    return [stix2.AttackPattern(
        id=stable_id("attack-pattern", "mitre-attack", t), name=t,
        external_references=[{"source_name": "mitre-attack", "external_id": t,
                              "url": f"https://attack.mitre.org/techniques/{t.replace('.', '/')}/"}], **common)
        for t in techniques]


def _author(hub: str) -> stix2.Identity:
    stamp = format_time(datetime(2026, 1, 1, tzinfo=UTC))
    return stix2.Identity(id=stable_id("identity", hub), name=hub, identity_class="organization", created=stamp,
                          modified=stamp)


def _common(hub: str, agreement: Agreement, created: datetime, now: datetime) -> tuple[dict, dict]:
    """The agreement's marking, and the properties every object of a warning has (times, marking, author)."""
    marking = marking_definition(agreement.warning_tlp)
    return marking, {"created": format_time(created), "modified": format_time(now),
                     "object_marking_refs": [marking["id"]], "created_by_ref": stable_id("identity", hub),
                     "allow_custom": True}


def _indicator(hub: str, observable: Observable, valid_from: datetime, description: str, common: dict) -> stix2.Indicator:
    return stix2.Indicator(
        id=stable_id("indicator", hub, observable.key), name=f"{observable.value} ({observable.type})",
        pattern=observable.pattern(), pattern_type="stix", valid_from=format_time(valid_from),
        indicator_types=["malicious-activity"], description=description, **common)


def _actions(hub: str, observable: Observable, common: dict) -> list[stix2.CourseOfAction]:
    return [stix2.CourseOfAction(id=stable_id("course-of-action", hub, observable.key, name), name=name,
                                 description=text, **common)
            for name, text in _recommendations(observable)]


def _by_country(countries: list[dict]) -> dict[str, dict]:
    return {c["country"]: {"count": c["count"], "first_seen": format_time(c["first_seen"]),
                           "last_seen": format_time(c["last_seen"])} for c in countries}


def _bundle(hub: str, subject: str, now: datetime, marking: dict, objects: list) -> dict:
    listed = [dict(marking), *(orjson.loads(o.serialize()) for o in (_author(hub), *objects))]
    return {"type": "bundle", "id": stable_id("bundle", hub, subject, format_time(now)), "objects": listed}


def _recommendations(observable: Observable) -> list[tuple[str, str]]:
    value = observable.value
    if observable.type in ("ipv4-addr", "ipv6-addr"):
        block = (f"Block {value}", f"Block traffic to and from {value} at the perimeter and on proxies.")
    elif observable.type == "domain-name":
        block = (f"Sinkhole {value}", f"Sinkhole or block resolution of {value} and its subdomains.")
    elif observable.type.startswith("file:"):
        block = ("Quarantine the file", f"Block and quarantine files with hash {value} on endpoints.")
    else:
        block = (f"Block {value}", f"Block {value} where your controls allow it.")
    return [block, (f"Hunt for {value}", f"Search the last 30 days of logs for {value}; "
                                          "cybershield hubs do it on receipt (retro-hunt).")]
