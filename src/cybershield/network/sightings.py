"""Sightings shared up: what a national hub's alerts matched, as STIX 2.1, anonymised to country level.

For every external observable of an alert (a public address, domain, URL or hash, see :mod:`.observables`)
the national hub sends an ``indicator`` for it (its id derived from the hub and the value), an
``observed-data`` with the cyber-observable, and a ``sighting`` of the indicator with the count, first and
last seen, the ATT&CK techniques of the alert and its severity. ``where_sighted_refs`` names the national
hub's identity (its country), never a constituent; hosts, users and internal addresses never appear. The
sighting id is derived from the hub, the alert's deduplication key and the value, so a redelivered
sighting is the same object and is applied once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import stix2

from ..intel import marking_definition
from ..intel.stixtime import format_time, parse_time
from .correlation import Sighting
from .observables import Observable
from .warnings import stable_id

_SEVERITY = {21: "low", 47: "medium", 73: "high", 99: "critical"}
_STIX_TYPES = {"ipv4-addr": stix2.IPv4Address, "ipv6-addr": stix2.IPv6Address, "domain-name": stix2.DomainName,
               "url": stix2.URL, "email-addr": stix2.EmailAddress}


@dataclass(frozen=True)
class Seen:
    """One alert's shareable facts: its key, severity, techniques, time span and observables."""

    alert_key: str
    severity: str
    techniques: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    observables: tuple[Observable, ...]
    count: int = 1


def severity_name(score: int) -> str:
    """ECS ``event.severity`` (21/47/73/99) as a level name."""
    return _SEVERITY.get(score, "high" if score >= 73 else "medium" if score >= 47 else "low")


def hub_identity(hub: str, country: str) -> dict:
    """The national hub as STIX sees it: an organisation in ``country`` (stable id)."""
    stamp = "2026-01-01T00:00:00.000Z"
    return {"type": "identity", "spec_version": "2.1", "id": stable_id("identity", hub), "created": stamp,
            "modified": stamp, "name": hub, "identity_class": "organization", "x_cybershield_country": country}


def sightings_bundle(hub: str, country: str, seen: Iterable[Seen], tlp: str = "AMBER") -> dict:
    """The STIX bundle a national hub shares up for ``seen`` (empty ``objects`` when nothing is shareable)."""
    identity = hub_identity(hub, country)
    marking = marking_definition(tlp)
    objects: dict[str, dict] = {}
    for item in seen:
        for observable in item.observables:
            for obj in _objects(hub, identity["id"], marking["id"], item, observable):
                objects.setdefault(obj["id"], obj)
    listed = [identity, dict(marking), *objects.values()] if objects else []
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": listed}


def read_sightings(bundle: dict, hub: str, country: str) -> tuple[list[Sighting], list[str]]:
    """The sightings of a member's bundle, and the reasons for what was refused (never an exception)."""
    objects = bundle.get("objects") if isinstance(bundle, dict) else None
    if not isinstance(objects, list):
        return [], ["the payload is not a STIX bundle"]
    by_id = {o.get("id"): o for o in objects if isinstance(o, dict)}
    found, refused = [], []
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("type") != "sighting":
            continue
        try:
            key = obj["x_cybershield_observable"]
            kind, _, value = key.partition("=")
            if not value or len(key) > 2048:
                raise ValueError(f"bad observable {key[:80]!r}")
            indicator = by_id.get(obj["sighting_of_ref"]) or {}
            found.append(Sighting(
                obj["id"], Observable(kind, value), country, hub, parse_time(obj["first_seen"]), parse_time(obj["last_seen"]),
                int(obj.get("count", 1)), str(obj.get("x_cybershield_severity", "medium")),
                tuple(str(t) for t in obj.get("x_cybershield_techniques", ())[:50]),
                indicator.get("id")))
        except (KeyError, TypeError, ValueError) as exc:
            refused.append(f"{str(obj.get('id'))[:80]}: {type(exc).__name__}: {exc}"[:300])
    return found, refused


def _objects(hub: str, identity: str, marking: str, item: Seen, observable: Observable) -> list[dict]:
    now = format_time(datetime.now(UTC))
    common = {"spec_version": "2.1", "created": now, "modified": now, "created_by_ref": identity,
              "object_marking_refs": [marking]}
    indicator = {"type": "indicator", "id": stable_id("indicator", hub, observable.key), **common,
                 "name": observable.value, "pattern": observable.pattern(), "pattern_type": "stix",
                 "valid_from": format_time(item.first_seen), "indicator_types": ["malicious-activity"]}
    out = [indicator]
    refs = []
    sco_type = _STIX_TYPES.get(observable.type)
    if sco_type is not None:
        sco = orjson.loads(sco_type(value=observable.value).serialize())
        observed = {"type": "observed-data", "id": stable_id("observed-data", hub, item.alert_key, observable.key),
                    **common, "first_observed": format_time(item.first_seen), "last_observed": format_time(item.last_seen),
                    "number_observed": item.count, "object_refs": [sco["id"]]}
        out += [sco, observed]
        refs = [observed["id"]]
    out.append({"type": "sighting", "id": stable_id("sighting", hub, item.alert_key, observable.key), **common,
                "sighting_of_ref": indicator["id"], "where_sighted_refs": [identity],
                "first_seen": format_time(item.first_seen), "last_seen": format_time(item.last_seen), "count": item.count,
                **({"observed_data_refs": refs} if refs else {}),
                "x_cybershield_observable": observable.key, "x_cybershield_severity": item.severity,
                "x_cybershield_techniques": list(item.techniques)})
    return out
