"""STIX 2.1 -> MISP: one ``MISPEvent`` (PyMISP) per export, and MISP feed directories.

The event takes its title, date, tags and TLP from the first ``report``; indicators become
``to_ids`` attributes, observed-data non-``to_ids`` ones, ``vulnerability`` SDOs vulnerability
attributes, ``x_misp_object_*`` attributes go back into their MISP objects, attack-patterns become
``misp-galaxy:mitre-attack-pattern`` tags and sightings MISP sightings. A STIX pattern that is not one
observation of ANDed equalities has no attribute form and is counted in ``skipped``.
"""

from __future__ import annotations

import calendar
import csv
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pymisp import MISPEvent, MISPObject, MISPOrganisation

from . import stixtime
from .misp import RULE_TYPES
from .tlp import LEVEL_OF_MARKING

_COMPARISON = re.compile(r"([a-z0-9-]+:[A-Za-z0-9_.'\-]+)\s*=\s*('(?:[^'\\]|\\.)*'|\d+)")
_ONE_OBSERVATION = re.compile(r"\[[^\[\]]*\]")
_MISP_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA1": "sha1", "SHA-256": "sha256", "SHA256": "sha256",
                "SHA-512": "sha512", "SHA512": "sha512"}  # STIX says "SHA-256"; feeds also write sha256
_SIGHTING_CODES = {"sighting": "0", "false-positive": "1", "expiration": "2"}


@dataclass
class MispExport:
    event: MISPEvent
    skipped: Counter[str] = field(default_factory=Counter)


def _unquote(token: str) -> str | int:
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return int(token)


def _pattern_values(pattern: str) -> dict[str, object] | None:
    """``[a:b = 'x' AND c:d = 'y']`` -> {"a:b": "x", "c:d": "y"}; None for anything richer."""
    stripped = re.sub(r"'(?:[^'\\]|\\.)*'", "''", pattern).strip()
    if not _ONE_OBSERVATION.fullmatch(stripped) or re.search(r"\b(OR|NOT|LIKE|MATCHES|IN)\b|[<>!]", stripped):
        return None
    found = {path.replace("'", ""): _unquote(value) for path, value in _COMPARISON.findall(pattern)}
    return found or None


def _sco_values(observed: dict, by_id: dict) -> dict[str, object]:
    found: dict[str, object] = {}
    for ref in observed.get("object_refs") or []:
        sco = by_id.get(ref) or {}
        kind = sco.get("type")
        if kind == "network-traffic":
            for side in ("src", "dst"):
                if f"{side}_ref" in sco:
                    found[f"network-traffic:{side}_ref.value"] = (by_id.get(sco[f"{side}_ref"]) or {}).get("value")
                if f"{side}_port" in sco:
                    found[f"network-traffic:{side}_port"] = sco[f"{side}_port"]
        elif kind == "file":
            found.update({f"file:hashes.{k}": v for k, v in (sco.get("hashes") or {}).items()})
            if "name" in sco:
                found["file:name"] = sco["name"]
        elif kind == "windows-registry-key":
            found["windows-registry-key:key"] = sco.get("key")
        elif kind == "mutex":
            found["mutex:name"] = sco.get("name")
        elif kind and "value" in sco:
            found.setdefault(f"{kind}:value", sco["value"])
    return found


def _misp_attribute(values: dict[str, object], hint: str | None) -> tuple[str, str] | None:
    """(MISP type, value) for the equalities of one observation; the ``x_misp_type`` hint picks
    between synonyms (ip-src or ip-dst, url or link, …)."""
    for side in ("dst", "src"):
        ip, port = values.get(f"network-traffic:{side}_ref.value"), values.get(f"network-traffic:{side}_port")
        if ip and port is not None:
            return f"ip-{side}|port", f"{ip}|{port}"
    hashes = [(_MISP_HASHES[k.split(".", 1)[1].upper()], str(v)) for k, v in values.items()
              if k.startswith("file:hashes.") and k.split(".", 1)[1].upper() in _MISP_HASHES]
    name = values.get("file:name")
    if name and hashes:
        return f"filename|{hashes[0][0]}", f"{name}|{hashes[0][1]}"
    if hashes:
        return hashes[0]
    if name:
        return "filename", str(name)
    choices = {"ipv4-addr:value": ("ip-dst", "ip-src"), "ipv6-addr:value": ("ip-dst", "ip-src"),
               "domain-name:value": ("domain", "hostname"), "url:value": ("url", "link", "uri"),
               "email-addr:value": ("email", "email-src", "email-dst"), "windows-registry-key:key": ("regkey",),
               "mutex:name": ("mutex",), "x-ja3:value": ("ja3-fingerprint-md5",)}
    for path, types in choices.items():
        if values.get(path) is not None:
            return (hint if hint in types else types[0]), str(values[path])
    return None


def _timestamp(stamp: str | None) -> int | None:
    """Whole seconds since 1970 of a STIX timestamp, any valid one (year 1 to 9999, any fraction)."""
    if not stamp:
        return None
    return calendar.timegm(time.strptime(stixtime.normalise(stamp)[:19], "%Y-%m-%dT%H:%M:%S"))


def _tlp_tags(obj: dict) -> list[str]:
    return [f"tlp:{LEVEL_OF_MARKING[m].lower()}" for m in obj.get("object_marking_refs") or [] if m in LEVEL_OF_MARKING]


def stix_to_misp(objects: Iterable[dict], organisation: str = "cybershield hub") -> MispExport:
    """STIX 2.1 objects (dicts) -> one MISP event built with PyMISP; its creator is the report's author,
    else ``organisation`` (a MISP feed needs one)."""
    objects = list(objects)
    by_id = {o["id"]: o for o in objects if isinstance(o, dict) and "id" in o}
    report = next((o for o in objects if o.get("type") == "report"), None)
    event = MISPEvent()
    out = MispExport(event)
    event.info = (report or {}).get("name") or "cybershield STIX export"
    if report:
        event.uuid = report["id"].split("--", 1)[1]
        event.date = report.get("x_misp_date") or report["published"][:10]
        event.timestamp = _timestamp(report.get("modified"))
        for key in ("threat_level_id", "analysis"):
            if report.get(f"x_misp_{key}") is not None:
                setattr(event, key, report[f"x_misp_{key}"])
        creator = by_id.get(report.get("created_by_ref") or "")
        if creator:
            org = MISPOrganisation()
            org.from_dict(name=creator["name"], uuid=creator["id"].split("--", 1)[1])
            event.Orgc = org
    if "Orgc" not in event:
        event.Orgc = MISPOrganisation()
        event.Orgc.from_dict(name=organisation, uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, organisation)))
    event_tlp = _tlp_tags(report or {})
    for tag in event_tlp + list((report or {}).get("labels") or []):
        event.add_tag(tag)
    for pattern in (o for o in objects if o.get("type") == "attack-pattern"):
        for ref in pattern.get("external_references") or []:
            if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
                event.add_tag(pattern.get("x_misp_tag")
                              or f'misp-galaxy:mitre-attack-pattern="{pattern["name"]} - {ref["external_id"]}"')
    misp_objects: dict[str, MISPObject] = {}
    attributes = {}
    for obj in objects:
        kind = obj.get("type")
        if kind not in ("indicator", "observed-data", "vulnerability"):
            continue
        if kind == "vulnerability":
            found: tuple[str, str] | None = ("vulnerability", obj["name"])
        elif kind == "indicator" and obj.get("pattern_type") in RULE_TYPES:
            found = (obj["pattern_type"], obj["pattern"])
        elif kind == "indicator" and obj.get("pattern_type") == "stix":
            values = _pattern_values(obj["pattern"])
            found = _misp_attribute(values, obj.get("x_misp_type")) if values else None
        elif kind == "observed-data":
            found = _misp_attribute(_sco_values(obj, by_id), obj.get("x_misp_type"))
        else:
            found = None
        if found is None:
            out.skipped[f"{kind}: {obj.get('pattern_type', 'observables')}"] += 1
            continue
        misp_type, value = found
        value = obj.get("x_misp_value", value)
        params = {"uuid": obj["id"].split("--", 1)[1], "to_ids": obj.get("x_misp_to_ids", kind == "indicator"),
                  "timestamp": _timestamp(obj.get("modified"))}
        if obj.get("x_misp_category"):
            params["category"] = obj["x_misp_category"]
        if obj.get("x_misp_comment") or obj.get("description"):
            params["comment"] = obj.get("x_misp_comment") or obj.get("description")
        tags = [t for t in _tlp_tags(obj) if t not in event_tlp] + list(obj.get("labels") or [])
        if tags:
            params["Tag"] = [{"name": t} for t in tags]
        if obj.get("x_misp_object_uuid"):
            holder = misp_objects.get(obj["x_misp_object_uuid"])
            if holder is None:
                holder = misp_objects[obj["x_misp_object_uuid"]] = MISPObject(
                    obj.get("x_misp_object_name") or "misc", standalone=False, strict=False)
                holder.uuid = obj["x_misp_object_uuid"]
            attributes[obj["id"]] = holder.add_attribute(obj.get("x_misp_object_relation") or misp_type,
                                                         value=value, type=misp_type, **params)
        else:
            attributes[obj["id"]] = event.add_attribute(misp_type, value, **params)
    for holder in misp_objects.values():
        event.add_object(holder)
    for sighting in (o for o in objects if o.get("type") == "sighting"):
        target = attributes.get(sighting.get("sighting_of_ref"))
        if target is not None:
            target.add_sighting({"type": _SIGHTING_CODES.get(sighting.get("x_misp_sighting_type"), "0"),
                                 "date_sighting": _timestamp(sighting.get("first_seen") or sighting["created"]),
                                 "source": sighting.get("x_misp_source") or ""})
    return out


def write_misp_feed(events: Iterable[MISPEvent], directory: str | Path) -> dict:
    """Write a MISP feed (``manifest.json``, ``hashes.csv``, ``<event uuid>.json``) that a MISP instance
    can subscribe to; PyMISP's ``to_feed`` makes each event's file, manifest entry and hashes."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    manifest: dict = {}
    hashes: list[tuple[str, str]] = []
    for event in events:
        feed = event.to_feed(with_meta=True)["Event"]
        manifest.update(feed.pop("_manifest"))
        hashes += [(digest, event.uuid) for digest in feed.pop("_hashes")]
        (directory / f"{event.uuid}.json").write_bytes(orjson.dumps({"Event": feed}, option=orjson.OPT_INDENT_2))
    (directory / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    with (directory / "hashes.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(hashes)
    return manifest
