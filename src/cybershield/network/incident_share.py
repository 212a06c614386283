"""What a national hub shares up of one incident: a STIX 2.1 bundle with an ``incident`` and its indicators.

The incident is anonymised to the country: no title, description, notes, entities or constituent names
travel, only its severity, status, sector and entity type, first/last seen, ATT&CK techniques, software and
the external observables of the incident and its alerts (internal addresses, hosts and user accounts never
leave, :mod:`.observables`). It is shared when the agreement takes incidents (``share_types``), the incident
is at least the agreement's ``incident_min_severity`` and it carries an observable to share. Its STIX id is
derived from the hub and the incident, and ``modified`` is the incident's last change, so the receiver
keeps each version once.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

import orjson
import stix2

from ..intel import marking_definition
from ..intel.stixtime import format_time, parse_time
from .agreement import Agreement, severity_rank
from .observables import alert_observables, typed_observables
from .sightings import hub_identity
from .warnings import attack_patterns, stable_id

TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
#: A sector as it may travel (a short name); another is left out of what is shared.
SECTOR = re.compile(r"^[\w .,:/()+&'-]{1,64}$")
#: At most this many observables, techniques and software travel with one incident.
MAX_ITEMS = 500
#: The incident's facts that travel, under this key of the STIX ``incident``.
FACTS = "x_cybershield_incident"


def incident_bundle(hub: str, country: str, incident: dict, alerts: list[dict], agreement: Agreement,
                    tlp: str, networks: tuple[ipaddress._BaseNetwork, ...] = ()) -> dict | None:
    """The bundle ``hub`` shares up under ``agreement`` for ``incident`` (a stored incident's view) and its
    ``alerts`` (``IncidentStore.alerts``), marked ``tlp``; None when nothing of it may or need be shared.
    Addresses in ``networks`` (the hub's constituents' ranges) stay home like internal ones."""
    if "incident" not in agreement.share_types or incident.get("merged_into"):
        return None
    if severity_rank(incident["severity"]) < severity_rank(agreement.incident_min_severity):
        return None
    observables = sorted({*typed_observables(incident.get("observables") or (), networks),
                          *(o for a in alerts
                            for o in alert_observables((a.get("document") or {}).get("context") or {}, networks))})
    if not observables:
        return None
    observables = observables[:MAX_ITEMS]
    techniques = sorted({t.upper() for t in [*incident.get("techniques", ()), *(t for a in alerts for t in a["techniques"])]
                         if TECHNIQUE.match(t.upper())})[:MAX_ITEMS]
    seen = [parse_time(a["time"]) for a in alerts if a.get("time")] or [parse_time(incident["aware_at"])]
    modified = parse_time(incident["updated"])
    marking = marking_definition(tlp)
    identity = hub_identity(hub, country)
    shared = set(agreement.share_types)
    author = {"created_by_ref": identity["id"]} if "identity" in shared else {}
    common = {"created": format_time(parse_time(incident["created"])), "modified": format_time(modified),
              "object_marking_refs": [marking["id"]], **author, "allow_custom": True}
    indicators = [stix2.Indicator(
        id=stable_id("indicator", hub, o.key), name=o.value, pattern=o.pattern(), pattern_type="stix",
        valid_from=format_time(min(seen)), indicator_types=["malicious-activity"], **common)
        for o in observables] if "indicator" in shared else []
    patterns = attack_patterns(techniques, common) if "attack-pattern" in shared else []
    sector = incident.get("sector") if SECTOR.match(incident.get("sector") or "") else None
    facts = {"country": country, "severity": incident["severity"], "status": incident["status"], "sector": sector,
             "entity_type": incident.get("entity_type"),
             "first_seen": format_time(min(seen)), "last_seen": format_time(max(seen)),
             "observables": [o.key for o in observables], "techniques": techniques,
             "software": sorted({str(s) for s in incident.get("software", ()) if 0 < len(str(s)) <= 128})[:MAX_ITEMS]}
    shared_incident = stix2.v21.Incident(
        id=stable_id("incident", hub, incident["id"]), name=f"{incident['severity'].capitalize()} incident in "
        f"{country}{f' ({sector})' if sector else ''}", **{FACTS: facts}, **common)
    objects = [identity] if author else []
    objects += [dict(marking), *(orjson.loads(o.serialize()) for o in (shared_incident, *indicators, *patterns))]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
