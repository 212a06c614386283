"""Early warnings as STIX 2.1: a report naming the indicator, the ATT&CK techniques seen with it and the
recommended courses of action, with sighting counts per country and first/last seen, marked with the TLP
the agreement sets. Ids are derived from the cross-border hub and the observable, so a later version of
the same warning is the same report with a newer ``modified``."""

from __future__ import annotations

import uuid
from collections import defaultdict
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
    marking = marking_definition(agreement.warning_tlp)
    common = {"created": format_time(created), "modified": format_time(now), "object_marking_refs": [marking["id"]],
              "allow_custom": True}
    author = stix2.Identity(id=stable_id("identity", hub), name=hub, identity_class="organization",
                            created=format_time(datetime(2026, 1, 1, tzinfo=UTC)),
                            modified=format_time(datetime(2026, 1, 1, tzinfo=UTC)))
    first = min(c["first_seen"] for c in countries)
    last = max(c["last_seen"] for c in countries)
    names = [c["country"] for c in countries]
    techniques = sorted({t for s in sightings for t in s.techniques})
    indicator = stix2.Indicator(
        id=stable_id("indicator", hub, observable.key), name=f"{observable.value} ({observable.type})",
        pattern=observable.pattern(), pattern_type="stix", valid_from=format_time(first),
        indicator_types=["malicious-activity"], created_by_ref=author.id,
        description=f"Sighted in {', '.join(names)} between {format_time(first)} and {format_time(last)}.", **common)
    patterns = [stix2.AttackPattern(
        id=stable_id("attack-pattern", "mitre-attack", t), name=t, created_by_ref=author.id,
        external_references=[{"source_name": "mitre-attack", "external_id": t,
                              "url": f"https://attack.mitre.org/techniques/{t.replace('.', '/')}/"}], **common)
        for t in techniques]
    actions = [stix2.CourseOfAction(id=stable_id("course-of-action", hub, observable.key, name), name=name,
                                    description=text, created_by_ref=author.id, **common)
               for name, text in _recommendations(observable)]
    by_country: dict[str, dict] = defaultdict(dict)
    for c in countries:
        by_country[c["country"]] = {"count": c["count"], "first_seen": format_time(c["first_seen"]),
                                    "last_seen": format_time(c["last_seen"])}
    report = stix2.Report(
        id=stable_id("report", hub, "warning", observable.key), name=f"Early warning: {observable.value} sighted in "
        f"{len(names)} countries", report_types=["indicator", "threat-report"], published=format_time(now),
        created_by_ref=author.id, object_refs=[indicator.id, *(p.id for p in patterns), *(a.id for a in actions)],
        description=f"{observable.value} was sighted in {', '.join(names)} within "
                    f"{agreement.warning.window.total_seconds() / 3600:g} h. Block it and hunt for it.",
        x_cybershield_warning={"observable": observable.key, "sightings": dict(by_country),
                               "first_seen": format_time(first), "last_seen": format_time(last), "techniques": techniques,
                               "escalated": escalated}, **common)
    objects = [dict(marking), *(orjson.loads(o.serialize()) for o in (author, indicator, *patterns, *actions, report))]
    bundle = {"type": "bundle", "id": stable_id("bundle", hub, observable.key, format_time(now)), "objects": objects}
    return Warning(report.id, names, created, now, escalated, bundle)


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
