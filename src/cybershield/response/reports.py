"""NIS2 Art. 23(4) reports generated from an incident: JSON, a STIX 2.1 bundle and an HTML page.

Each kind carries what Art. 23(4) asks of it:

- early warning (a): whether the incident is suspected of being caused by unlawful or malicious acts,
  and whether it could have a cross-border impact;
- notification (b): the early warning's information updated, an initial assessment (severity, impact)
  and the indicators of compromise;
- intermediate (c): the notification's content with the status updates since;
- final (d): a detailed description with severity and impact, the type of threat or root cause, the
  applied and ongoing mitigation measures, the cross-border impact;
- progress (e): the final report's content as far as known, for an incident still going on.

A field the incident does not hold yet is listed under ``missing`` so the analyst sees what to add.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import stix2

from ..intel import validate
from .clock import REPORT_FORMATS, REPORT_KINDS, iso
from .errors import ResponseError
from .render import render

TITLES = {"early-warning": "Early warning", "notification": "Incident notification",
          "intermediate": "Intermediate report", "final": "Final report", "progress": "Progress report"}
#: report kind -> the Art. 23(4) point and the fields it carries
FIELDS = {
    "early-warning": ("a", ("suspected_malicious", "cross_border_impact")),
    "notification": ("b", ("suspected_malicious", "cross_border_impact", "initial_assessment",
                           "indicators_of_compromise")),
    "intermediate": ("c", ("suspected_malicious", "cross_border_impact", "initial_assessment",
                           "indicators_of_compromise", "status_updates")),
    "final": ("d", ("description", "severity_and_impact", "threat_type_or_root_cause", "mitigation",
                    "cross_border_impact", "indicators_of_compromise")),
    "progress": ("e", ("description", "severity_and_impact", "threat_type_or_root_cause", "mitigation",
                       "cross_border_impact", "indicators_of_compromise", "status_updates")),
}
_NS = uuid.UUID("5b0f7c1e-2f39-4b7a-9a55-6f0e1c1b2a10")
_PATTERNS = {"ipv4-addr": "ipv4-addr:value", "ipv6-addr": "ipv6-addr:value", "domain-name": "domain-name:value",
             "url": "url:value", "email-addr": "email-addr:value", "file:hashes.'SHA-256'": "file:hashes.'SHA-256'",
             "file:hashes.MD5": "file:hashes.MD5"}


def _field_values(incident: dict, updates: list[dict]) -> dict:
    countries = incident.get("countries") or []
    cross = incident.get("cross_border")
    return {
        "suspected_malicious": incident.get("suspected_malicious"),
        "cross_border_impact": None if cross is None and not countries else
        {"likely": bool(cross) or len(countries) > 1, "member_states": countries},
        "initial_assessment": {"severity": incident["severity"], "impact": incident.get("impact")},
        "severity_and_impact": {"severity": incident["severity"], "impact": incident.get("impact")},
        "indicators_of_compromise": [o for o in incident.get("observables", []) if o["type"] in _PATTERNS],
        "description": incident.get("description"),
        "threat_type_or_root_cause": {"threat_type": incident.get("threat_type"),
                                      "root_cause": incident.get("root_cause")},
        "mitigation": incident.get("mitigation") or [],
        "status_updates": updates,
    }


def _missing(name: str, value) -> bool:
    if isinstance(value, dict):
        return all(v in (None, [], "") for k, v in value.items() if k != "severity")
    return value in (None, [], "")


def build_report(kind: str, incident: dict, clock: dict, updates: list[dict], hub: str,
                 now: datetime | None = None) -> dict:
    """The report of ``kind`` for ``incident`` (a store view) given its clock view and the status updates."""
    if kind not in FIELDS:
        raise ResponseError(f"unknown report kind {kind!r}; one of: {', '.join(FIELDS)}")
    point, names = FIELDS[kind]
    values = _field_values(incident, updates)
    fields = {name: values[name] for name in names}
    return {
        "report": kind,
        "title": TITLES[kind],
        "legal_basis": f"Directive (EU) 2022/2555 (NIS2), Art. 23(4)({point})",
        "generated_at": iso(now or datetime.now(UTC)),
        "hub": hub,
        "incident": {"id": incident["id"], "title": incident["title"], "status": incident["status"],
                     "aware_at": incident["aware_at"], "techniques": incident.get("techniques", [])},
        "entity": {"type": incident.get("entity_type"), "sector": incident.get("sector"),
                   "entities": incident.get("entities", [])},
        "deadline": clock["deadlines"][REPORT_KINDS[kind]],
        "deadline_local": clock["local"][REPORT_KINDS[kind]],
        "timezone": clock["timezone"],
        "fields": fields,
        "missing": [name for name, value in fields.items() if name != "status_updates" and _missing(name, value)],
    }


def report_bundle(report: dict) -> dict:
    """The report as a STIX 2.1 bundle: an ``incident`` with the NIS2 fields (a top-level property extension),
    indicators for the indicators of compromise, attack patterns for the techniques, related to the incident."""
    incident_id = report["incident"]["id"]
    stamp = report["generated_at"]
    hub = stix2.v21.Identity(id=f"identity--{uuid.uuid5(_NS, 'hub:' + report['hub'])}", name=report["hub"],
                             identity_class="organization", created=stamp, modified=stamp)
    extension = stix2.v21.ExtensionDefinition(
        id=f"extension-definition--{uuid.uuid5(_NS, 'nis2-report')}", created_by_ref=hub.id, name="NIS2 report",
        description="NIS2 Art. 23(4) report fields of an incident (cybershield)", created=stamp, modified=stamp,
        schema="https://eur-lex.europa.eu/eli/dir/2022/2555/oj", version="1.0",
        extension_types=["toplevel-property-extension"],
        extension_properties=["nis2_report", "nis2_deadline", "nis2_entity", "nis2_fields", "nis2_missing"])
    incident = stix2.v21.Incident(
        id=f"incident--{uuid.uuid5(_NS, incident_id)}", created=report["incident"]["aware_at"],
        modified=max(stamp, report["incident"]["aware_at"]),  # both ISO UTC with Z: text order is time order
        created_by_ref=hub.id, name=report["incident"]["title"], description=report["fields"].get("description")
        or f"{report['title']} for {incident_id}", external_references=[{"source_name": "cybershield",
                                                                          "external_id": incident_id}],
        extensions={extension.id: {"extension_type": "toplevel-property-extension"}}, allow_custom=True,
        nis2_report=report["report"], nis2_deadline=report["deadline"], nis2_entity=report["entity"],
        nis2_fields=report["fields"], nis2_missing=report["missing"])
    objects: list = [hub, extension, incident]
    related = []
    for ioc in report["fields"].get("indicators_of_compromise", []):
        value = ioc["value"].replace("\\", "\\\\").replace("'", "\\'")
        related.append(stix2.v21.Indicator(
            id=f"indicator--{uuid.uuid5(_NS, ioc['type'] + ':' + ioc['value'])}", created=stamp, modified=stamp,
            created_by_ref=hub.id, name=ioc["value"], pattern=f"[{_PATTERNS[ioc['type']]} = '{value}']",
            pattern_type="stix", valid_from=stamp, indicator_types=["compromised"]))
    for technique in report["incident"]["techniques"]:
        related.append(stix2.v21.AttackPattern(
            id=f"attack-pattern--{uuid.uuid5(_NS, technique)}", created=stamp, modified=stamp, name=technique,
            external_references=[{"source_name": "mitre-attack", "external_id": technique,
                                  "url": f"https://attack.mitre.org/techniques/{technique.replace('.', '/')}"}]))
    for obj in related:
        objects.append(obj)
        objects.append(stix2.v21.Relationship(
            id=f"relationship--{uuid.uuid5(_NS, incident.id + obj.id)}", created=stamp, modified=stamp,
            source_ref=obj.id, target_ref=incident.id, relationship_type="related-to"))
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
            "objects": [orjson.loads(o.serialize()) for o in objects]}


def validate_bundle(bundle: dict) -> list[str]:
    """The validator's errors for every object of a bundle (empty when all are valid STIX 2.1)."""
    return [f"{o.get('id')}: {e}" for o in bundle["objects"] for e in validate(o).errors]


def report_html(report: dict) -> str:
    return render("report.html", report=report)


#: --format (REPORT_FORMATS: json, stix, html) -> (function(report) -> text)
FORMATS = dict(zip(REPORT_FORMATS, (
    lambda report: orjson.dumps(report, option=orjson.OPT_INDENT_2).decode(),
    lambda report: orjson.dumps(report_bundle(report), option=orjson.OPT_INDENT_2).decode(),
    report_html,
), strict=True))
