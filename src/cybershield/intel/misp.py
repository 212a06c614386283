"""MISP interoperability: MISP event JSON -> STIX 2.1, STIX 2.1 -> MISP event (PyMISP ``MISPEvent``),
and MISP feed directories.

Import: attributes and object attributes become STIX indicators (``to_ids``) or observed-data with
their SCOs, ``vulnerability`` attributes vulnerability SDOs; ``tlp:`` tags become TLP 2.0 markings,
``misp-galaxy:mitre-attack-pattern`` tags attack-pattern objects (ATT&CK id in external_references,
on the indicators too) with ``indicates`` relationships; other tags become report labels; sightings
become STIX sightings. MISP-only facts (type, category, object name/relation/uuid, sighting type)
ride along as ``x_misp_*`` properties so that export restores them. Attribute types without a STIX
form (free text, attachments, …) are counted in ``MispConversion.skipped``, never lost silently.

Events are judged attribute by attribute: an attribute PyMISP cannot load or that has no valid STIX
form is named in ``MispConversion.rejected`` (event, position, uuid, type, value, reason) and the rest
of the event still converts. Missing timestamps fall back to the event's, then to its date.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import stix2
from pymisp import MISPAttribute, MISPEvent, MISPObject

from ..errors import CybershieldError
from .attack import MISP_ATTACK_TAG
from .indicator_csv import stix_literal
from .tlp import LEVEL_OF_MARKING, MISP_TLP_TAGS, TLP2_IDS, marking_definition
from .values import normalise

_SIGHTING_TYPES = {"0": "sighting", "1": "false-positive", "2": "expiration"}
_HASHES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
#: MISP attribute types that hold a detection rule; each is also the STIX ``pattern_type`` of that language.
RULE_TYPES = frozenset({"yara", "sigma", "snort", "suricata"})
_HIVES = {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
          "HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG"}
_NS = uuid.UUID("3c4d5e6f-7a8b-4c9d-8e0f-112233445566")


class MispFormatError(CybershieldError, ValueError):
    """The input is not a MISP event (or list of events) that PyMISP can load."""


@dataclass
class MispConversion:
    """STIX objects made from MISP events, and what had no STIX form (attribute type -> count)."""

    objects: list[dict] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)

    @property
    def bundle(self) -> dict:
        return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": self.objects}


def _ip_type(value: str) -> str:
    return "ipv6-addr" if ":" in value else "ipv4-addr"


#: MISP attribute types (or halves of composite ones) whose values are checked with detection's rules
#: before conversion: a STIX address object must hold an address. Other kinds keep MISP's looser forms
#: (a ``url`` without a scheme, say), which detection judges when it loads them.
_VALUE_KINDS = {"ip-src": "ip", "ip-dst": "ip"}


def _check_value(misp_type: str, value: str) -> None:
    """ValueError when an address is not one."""
    parts = misp_type.split("|")
    values = value.rsplit("|", 1) if len(parts) == 2 else [value]
    for part, piece in zip(parts, values, strict=False):
        if part in _VALUE_KINDS:
            normalise(_VALUE_KINDS[part], piece)


def _stix_form(misp_type: str, value: str) -> tuple[str, list[dict]] | None:
    """(STIX pattern, SCOs) for an attribute, or None when STIX has no observable for it; ValueError
    when the value is not one of its kind."""
    _check_value(misp_type, value)
    base = misp_type.split("|")[0]
    if misp_type in ("ip-src", "ip-dst"):
        return f"[{_ip_type(value)}:value = {stix_literal(value)}]", [{"type": _ip_type(value), "value": value}]
    if misp_type in ("ip-src|port", "ip-dst|port") and "|" in value:
        ip, port = value.rsplit("|", 1)
        side = "src" if misp_type.startswith("ip-src") else "dst"
        if not port.isdigit():
            return None
        address = stix2.parse({"type": _ip_type(ip), "value": ip}, allow_custom=True, version="2.1")
        traffic = {"type": "network-traffic", f"{side}_ref": address.id, f"{side}_port": int(port),
                   "protocols": ["ipv4" if ":" not in ip else "ipv6"]}
        pattern = (f"[network-traffic:{side}_ref.type = '{_ip_type(ip)}' AND network-traffic:{side}_ref.value = "
                   f"{stix_literal(ip)} AND network-traffic:{side}_port = {int(port)}]")
        return pattern, [dict(address), traffic]
    if misp_type in ("domain", "hostname"):
        return f"[domain-name:value = {stix_literal(value)}]", [{"type": "domain-name", "value": value}]
    if misp_type in ("url", "link", "uri"):
        return f"[url:value = {stix_literal(value)}]", [{"type": "url", "value": value}]
    if misp_type in ("email", "email-src", "email-dst"):
        return f"[email-addr:value = {stix_literal(value)}]", [{"type": "email-addr", "value": value}]
    if misp_type in _HASHES:
        algo = _HASHES[misp_type]
        return f"[file:hashes.'{algo}' = {stix_literal(value)}]", [{"type": "file", "hashes": {algo: value}}]
    if misp_type == "filename":
        return f"[file:name = {stix_literal(value)}]", [{"type": "file", "name": value}]
    if base == "filename" and misp_type.split("|")[1] in _HASHES and "|" in value:
        name, digest = value.rsplit("|", 1)
        algo = _HASHES[misp_type.split("|")[1]]
        return (f"[file:name = {stix_literal(name)} AND file:hashes.'{algo}' = {stix_literal(digest)}]",
                [{"type": "file", "name": name, "hashes": {algo: digest}}])
    if misp_type == "regkey":  # STIX wants the hive's full name
        hive, _, rest = value.partition("\\")
        key = "\\".join(filter(None, (_HIVES.get(hive.upper(), hive), rest)))
        return f"[windows-registry-key:key = {stix_literal(key)}]", [{"type": "windows-registry-key", "key": key}]
    if misp_type == "mutex":
        return f"[mutex:name = {stix_literal(value)}]", [{"type": "mutex", "name": value}]
    if misp_type == "ja3-fingerprint-md5":
        return f"[x-ja3:value = {stix_literal(value)}]", []
    return None


def _named(where: str, attribute: object, reason: object) -> str:
    """A line naming one rejected attribute."""
    attribute = attribute if isinstance(attribute, dict) else {}
    value = str(attribute.get("value", ""))[:80]
    return (f"{where} (uuid {attribute.get('uuid') or '-'}, type {attribute.get('type')!r}, value {value!r}): "
            f"{reason}")[:500]


def _attributes(where: str, items: object, rejected: list[str]) -> list[dict]:
    """The attributes of ``items`` that PyMISP can load; a line in ``rejected`` for each other one."""
    good = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            if not isinstance(item, dict):
                raise TypeError(f"an attribute is a JSON object, not {type(item).__name__}")
            MISPAttribute().from_dict(**item)
        except Exception as exc:  # PyMISP raises many kinds on malformed attributes
            rejected.append(_named(f"{where} attribute {i}", item, f"{type(exc).__name__}: {exc}"))
        else:
            good.append(item)
    return good


def load_misp_events(doc: object, rejected: list[str] | None = None) -> list[MISPEvent]:
    """MISP event JSON (one ``{"Event": …}``, a bare event, a list, or a REST ``{"response": […]}``).
    An attribute (or object) that cannot be loaded is left out and named in ``rejected``."""
    rejected = [] if rejected is None else rejected
    if isinstance(doc, bytes | str):
        try:
            doc = orjson.loads(doc)
        except orjson.JSONDecodeError as exc:
            raise MispFormatError(f"not JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("response"), list):
        doc = doc["response"]
    items = doc if isinstance(doc, list) else [doc]
    events = []
    for n, item in enumerate(items):
        inner = item.get("Event", item) if isinstance(item, dict) else None
        if not isinstance(inner, dict):
            raise MispFormatError(f"event {n}: expected a JSON object with an Event, got {type(item).__name__}")
        if not isinstance(inner.get("info"), str):
            raise MispFormatError(f"event {n}: no 'info' (every MISP event has one)")
        for key in ("Attribute", "Object", "Tag", "Galaxy"):
            if key in inner and not isinstance(inner[key], list):
                raise MispFormatError(f"event {n}: {key} must be a list, not {type(inner[key]).__name__}")
        where = f"event {n} ({str(inner['info'])[:60]!r})"
        skeleton = {k: v for k, v in inner.items() if k not in ("Attribute", "Object")}
        skeleton["Attribute"] = _attributes(where, inner.get("Attribute"), rejected)
        event = MISPEvent()
        try:
            event.load({"Event": skeleton})
        except Exception as exc:  # PyMISP raises many kinds on malformed events
            raise MispFormatError(f"event {n}: malformed MISP event: {type(exc).__name__}: {exc}") from None
        for i, obj in enumerate(inner.get("Object") or []):
            try:
                attributes = _attributes(f"{where} object {i}", obj.get("Attribute"), rejected)
                event.add_object({**obj, "Attribute": attributes})
            except Exception as exc:  # noqa: BLE001 - the object is named and left out, the event lands
                rejected.append(_named(f"{where} object {i}", obj, f"{type(exc).__name__}: {exc}"))
        events.append(event)
    return events


#: When objects derived from names (an organisation, an ATT&CK tag) are said to be made: a fixed time, so
#: that importing the same events again finds them unchanged instead of making new versions.
_FIXED = datetime(2000, 1, 1, tzinfo=UTC)


def _stamp(value: object, fallback: datetime | None = None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str | int | float) and str(value).isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return fallback or datetime.now(UTC)


class _EventConverter:
    def __init__(self, event: MISPEvent, out: MispConversion):
        self.event, self.out = event, out
        org = getattr(event, "Orgc", None)
        name = getattr(org, "name", None) or "unknown MISP organisation"
        self.identity = stix2.Identity(id=f"identity--{getattr(org, 'uuid', None) or uuid.uuid5(_NS, name)}",
                                       name=name, identity_class="organization", created=_FIXED, modified=_FIXED)
        self.event_tlp = self._tlp(event.tags)
        self.attack = self._attack_patterns(event.tags)
        self.attack_refs = [dict(r) for p in self.attack for r in p.external_references]  # on every indicator
        self.refs: list[str] = []
        self.objects: list = [self.identity]
        day = getattr(event, "date", None)
        self.date = day.isoformat() if day else None
        self.when = _stamp(getattr(event, "timestamp", None),
                           datetime.fromisoformat(self.date).replace(tzinfo=UTC) if self.date else _FIXED)

    @staticmethod
    def _tlp(tags: Iterable) -> str | None:
        levels = [MISP_TLP_TAGS[t.name.lower()] for t in tags if t.name.lower() in MISP_TLP_TAGS]
        return levels[0] if levels else None

    def _attack_patterns(self, tags: Iterable) -> list[stix2.AttackPattern]:
        found = []
        for tag in tags:
            m = MISP_ATTACK_TAG.fullmatch(tag.name)
            if m:
                found.append(stix2.AttackPattern(
                    id=f"attack-pattern--{uuid.uuid5(_NS, m.group(2))}", name=m.group(1), x_misp_tag=tag.name,
                    created=_FIXED, modified=_FIXED,
                    allow_custom=True,
                    external_references=[{"source_name": "mitre-attack", "external_id": m.group(2),
                                          "url": f"https://attack.mitre.org/techniques/{m.group(2).replace('.', '/')}"}]))
        return found

    def _markings(self, tags: Iterable) -> list[str]:
        level = self._tlp(tags) or self.event_tlp
        return [TLP2_IDS[level]] if level else []

    def convert(self) -> None:
        where = f"event {self.event.info[:60]!r}"
        for i, attribute in enumerate(self.event.attributes):
            self._checked(f"{where} attribute {i}", attribute, None)
        for n, obj in enumerate(self.event.objects):
            for i, attribute in enumerate(obj.attributes):
                self._checked(f"{where} object {n} attribute {i}", attribute, obj)
        tags = [t.name for t in self.event.tags]
        for pattern in self.attack:
            self.objects.append(pattern)
        self.objects.append(stix2.Report(
            id=f"report--{getattr(self.event, 'uuid', None) or uuid.uuid5(_NS, self.event.info)}",
            name=self.event.info, created_by_ref=self.identity.id,
            published=_stamp(getattr(self.event, "publish_timestamp", None), self.when),
            created=self.when, modified=self.when,
            object_refs=self.refs + [p.id for p in self.attack] or [self.identity.id],
            labels=[t for t in tags if t.lower() not in MISP_TLP_TAGS and not MISP_ATTACK_TAG.fullmatch(t)] or None,
            object_marking_refs=self._markings([]) or None,
            x_misp_date=self.date, x_misp_threat_level_id=getattr(self.event, "threat_level_id", None),
            x_misp_analysis=getattr(self.event, "analysis", None), allow_custom=True))
        for level in sorted({LEVEL_OF_MARKING[m] for o in self.objects for m in o.get("object_marking_refs") or []}):
            self.objects.append(stix2.MarkingDefinition(**marking_definition(level), allow_custom=True))
        self.out.objects += [json.loads(o.serialize()) for o in self.objects]

    def _checked(self, where: str, attribute: MISPAttribute, obj: MISPObject | None) -> None:
        """Convert one attribute; one that has no valid STIX form is named in ``rejected``."""
        objects, refs = len(self.objects), len(self.refs)
        try:
            self._attribute(attribute, obj)
        except Exception as exc:  # stix2 raises many kinds on values it cannot take
            del self.objects[objects:], self.refs[refs:]
            self.out.rejected.append(_named(where, attribute.to_dict(), f"{type(exc).__name__}: {exc}"))

    def _attribute(self, attribute: MISPAttribute, obj: MISPObject | None) -> None:
        value, kind = str(attribute.value), attribute.type
        stamp = _stamp(getattr(attribute, "timestamp", None), self.when)
        comment, to_ids = getattr(attribute, "comment", None), getattr(attribute, "to_ids", False)
        common = {"created": stamp, "modified": stamp, "created_by_ref": self.identity.id,
                  "object_marking_refs": self._markings(attribute.tags) or None, "x_misp_type": kind,
                  "x_misp_category": getattr(attribute, "category", None), "allow_custom": True}
        if comment:
            common["x_misp_comment"] = comment
        tags = [t.name for t in attribute.tags if t.name.lower() not in MISP_TLP_TAGS]
        if tags:
            common["labels"] = tags  # verbatim, ATT&CK galaxy tags included (their ids are read from labels)
        attack = self.attack_refs + [
            {"source_name": "mitre-attack", "external_id": m.group(2)} for m in map(MISP_ATTACK_TAG.fullmatch, tags) if m]
        if obj is not None:
            common.update(x_misp_object_name=obj.name, x_misp_object_uuid=obj.uuid,
                          x_misp_object_relation=getattr(attribute, "object_relation", None))
        if not to_ids:  # kept where the STIX type alone would say otherwise (rules, JA3)
            common["x_misp_to_ids"] = False
        if kind == "vulnerability":
            made = stix2.Vulnerability(id=f"vulnerability--{attribute.uuid}", name=value,
                                       external_references=[{"source_name": "cve", "external_id": value}], **common)
        elif kind in RULE_TYPES:
            made = stix2.Indicator(id=f"indicator--{attribute.uuid}", pattern=value, pattern_type=kind,
                                   valid_from=stamp, name=f"{kind} rule", **common)
        else:
            form = _stix_form(kind, value)
            if form is None:
                self.out.skipped[kind] += 1
                return
            pattern, scos = form
            if kind == "regkey":
                common["x_misp_value"] = value  # the short hive name, as MISP had it
            if to_ids or not scos:
                made = stix2.Indicator(
                    id=f"indicator--{attribute.uuid}", pattern=pattern, pattern_type="stix",
                    indicator_types=["malicious-activity"], valid_from=stamp, name=f"{kind}: {value}"[:200],
                    description=comment or None,
                    external_references=attack or None,
                    **common)
                self.objects += [stix2.Relationship(
                    id=f"relationship--{uuid.uuid5(_NS, f'{made.id} indicates {p.id}')}", source_ref=made.id,
                    target_ref=p.id, relationship_type="indicates", created=stamp, modified=stamp) for p in self.attack]
            else:
                observables = [stix2.parse(s, allow_custom=True, version="2.1") for s in scos]
                self.objects += observables
                made = stix2.ObservedData(id=f"observed-data--{attribute.uuid}", first_observed=stamp,
                                          last_observed=stamp, number_observed=1,
                                          object_refs=[o.id for o in observables], **common)
        self.objects.append(made)
        self.refs.append(made.id)
        for sighting in attribute.sightings:
            when = _stamp(getattr(sighting, "date_sighting", None))
            self.objects.append(stix2.Sighting(
                id=f"sighting--{uuid.uuid5(_NS, made.id + ' ' + str(getattr(sighting, 'uuid', None) or when))}",
                created=when, modified=when, sighting_of_ref=made.id, first_seen=when, last_seen=when, count=1,
                where_sighted_refs=[self.identity.id], created_by_ref=self.identity.id,
                x_misp_sighting_type=_SIGHTING_TYPES.get(str(getattr(sighting, "type", "0")), "sighting"),
                x_misp_source=getattr(sighting, "source", None) or None, allow_custom=True))


def misp_to_stix(doc: object) -> MispConversion:
    """MISP event JSON (parsed or raw) -> STIX 2.1 objects; ``MispFormatError`` when it is not MISP."""
    out = MispConversion()
    for event in load_misp_events(doc, out.rejected):
        _EventConverter(event, out).convert()
    return out
