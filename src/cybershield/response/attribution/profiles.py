"""Intrusion-set profiles derived from the MITRE ATT&CK Enterprise bundle, cached as JSON under ``var/``.

A group's profile holds the techniques it uses (``intrusion-set uses attack-pattern``), the software it
uses (``uses malware|tool``) and, through that software, the software's techniques, and the techniques of
the campaigns attributed to it (``campaign attributed-to intrusion-set``). Revoked and deprecated
objects and relationships are skipped; a revoked technique id maps to the technique that replaced it.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections import defaultdict
from pathlib import Path

import orjson

from ..errors import ResponseError
from .model import fit_calibration

log = logging.getLogger(__name__)

BUNDLE = Path("attack") / "enterprise-attack-18.1.stix21.json.gz"
#: bump when the derived profile format or the model fitted into it changes (old caches are rebuilt)
CACHE_VERSION = 3


def _external_id(obj: dict) -> str | None:
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"]
    return None


def _live(obj: dict) -> bool:
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def derive_profiles(objects: list[dict]) -> dict:
    """The profiles of every live intrusion set of the bundle's objects (a JSON-ready dict)."""
    by_id = {o["id"]: o for o in objects if "id" in o}
    techniques, software, groups, campaigns, revoked = {}, {}, {}, {}, {}
    for obj in objects:
        kind, ext = obj.get("type"), _external_id(obj)
        if ext is None:
            continue
        if kind == "attack-pattern" and _live(obj):
            techniques[obj["id"]] = {"id": ext, "name": obj.get("name", ext),
                                     "parent": ext.split(".")[0] if "." in ext else None}
        elif kind in ("malware", "tool") and _live(obj):
            software[obj["id"]] = {"id": ext, "name": obj.get("name", ext), "type": kind,
                                   "aliases": obj.get("x_mitre_aliases", [])}
        elif kind == "intrusion-set" and _live(obj):
            groups[obj["id"]] = {"id": ext, "name": obj.get("name", ext), "aliases": obj.get("aliases", [])}
        elif kind == "campaign" and _live(obj):
            campaigns[obj["id"]] = ext
    uses: dict[str, set[str]] = defaultdict(set)
    attributed: dict[str, str] = {}
    for rel in objects:
        if rel.get("type") != "relationship" or not _live(rel):
            continue
        source, target, kind = rel.get("source_ref"), rel.get("target_ref"), rel.get("relationship_type")
        if kind == "uses":
            uses[source].add(target)
        elif kind == "attributed-to" and source in campaigns and target in groups:
            attributed[source] = target
        elif kind == "revoked-by" and by_id.get(source, {}).get("type") == "attack-pattern" and target in techniques:
            old = _external_id(by_id[source])
            if old and old != techniques[target]["id"]:
                revoked[old] = techniques[target]["id"]
    profiles = {}
    for stix_id, group in groups.items():
        via: dict[str, set[str]] = defaultdict(set)
        group_software = sorted(software[t]["id"] for t in uses[stix_id] if t in software)
        for target in uses[stix_id]:
            if target in techniques:
                via[techniques[target]["id"]].add("direct")
            elif target in software:
                for used in uses[target]:
                    if used in techniques:
                        via[techniques[used]["id"]].add(software[target]["id"])
        for campaign, owner in attributed.items():
            if owner == stix_id:
                for used in uses[campaign]:
                    if used in techniques:
                        via[techniques[used]["id"]].add(campaigns[campaign])
                group_software = sorted(set(group_software) | {software[t]["id"] for t in uses[campaign]
                                                                if t in software})
        profiles[group["id"]] = {**group, "stix_id": stix_id, "software": group_software,
                                 "techniques": {t: sorted(v) for t, v in sorted(via.items())}}
    return {
        "version": CACHE_VERSION,
        "groups": dict(sorted(profiles.items())),
        "techniques": {t["id"]: {"name": t["name"], "parent": t["parent"]}
                       for t in sorted(techniques.values(), key=lambda t: t["id"])},
        "software": {s["id"]: {"name": s["name"], "type": s["type"], "aliases": s["aliases"]}
                     for s in sorted(software.values(), key=lambda s: s["id"])},
        "revoked": dict(sorted(revoked.items())),
    }


def bundle_path(data_dir: Path) -> Path:
    return data_dir / BUNDLE


def load_profiles(data_dir: Path, var_dir: Path) -> dict:
    """The derived profiles, from the cache when it matches the bundle, else derived and cached."""
    bundle = bundle_path(data_dir)
    if not bundle.is_file():
        raise ResponseError(f"attribution needs the MITRE ATT&CK Enterprise bundle at {bundle} "
                            "(set CYBERSHIELD_DATA to the folder that holds attack/)")
    stat = bundle.stat()
    cache = var_dir / "attribution" / f"profiles-{stat.st_size}-{stat.st_mtime_ns}-v{CACHE_VERSION}.json"
    if cache.is_file():
        try:
            return orjson.loads(cache.read_bytes())
        except orjson.JSONDecodeError:
            log.warning("unreadable attribution cache %s, deriving it again", cache)
    log.info("deriving intrusion-set profiles from %s", bundle)
    try:
        objects = orjson.loads(gzip.decompress(bundle.read_bytes())).get("objects", [])
    except (OSError, orjson.JSONDecodeError, AttributeError) as exc:
        raise ResponseError(f"{bundle}: not a readable STIX bundle ({exc})") from None
    profiles = derive_profiles(objects)
    profiles["calibration"] = fit_calibration(profiles)  # the fitted noise and temperature, cached with them
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps(profiles))
    tmp.replace(cache)
    return profiles
