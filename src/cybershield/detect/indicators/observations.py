"""Events as STIX 2.1 observations, for the patterns that ``stix2-matcher`` evaluates.

Only the candidate events of a complex pattern (those with a value in a column the pattern's
object types map to) are turned into ``observed-data`` + SCOs; everything else never leaves Arrow.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

#: STIX object type -> the ECS columns that feed it (a row is a candidate if any is set).
TYPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ipv4-addr": ("source.ip", "destination.ip"),
    "ipv6-addr": ("source.ip", "destination.ip"),
    "network-traffic": ("source.ip", "destination.ip", "source.port", "destination.port", "network.transport"),
    "domain-name": ("dns.question.name", "url.domain", "tls.client.server_name"),
    "url": ("url.original",),
    "file": ("file.name", "file.hash.md5", "file.hash.sha1", "file.hash.sha256", "file.size"),
    "email-addr": ("email.from.address", "email.to.address"),
    "email-message": ("email.from.address", "email.to.address", "email.subject"),
    "process": ("process.command_line", "process.pid", "process.executable"),
    "windows-registry-key": ("registry.path",),
    "user-account": ("user.name",),
    "x-ja3": ("tls.client.ja3",),
    "x-ja3s": ("tls.server.ja3s",),
}
ALL_COLUMNS = sorted({c for cols in TYPE_COLUMNS.values() for c in cols} | {"@timestamp"})
_NS = uuid.UUID("6f4f5b8e-3a51-4c52-9a0e-9f1d3c1e2b7a")


def _ip_type(value: str) -> str:
    return "ipv6-addr" if ":" in value else "ipv4-addr"


def observation(row: dict, key: str) -> tuple[dict, list[dict]]:
    """One event row -> (observed-data, its SCOs)."""
    scos: list[dict] = []

    def add(obj: dict) -> str:
        obj["id"] = f"{obj['type']}--{uuid.uuid5(_NS, key + str(len(scos)))}"
        scos.append(obj)
        return obj["id"]

    refs = {}
    for side in ("source", "destination"):
        if row.get(f"{side}.ip"):
            refs[side] = add({"type": _ip_type(row[f"{side}.ip"]), "value": row[f"{side}.ip"]})
    if refs or row.get("source.port") is not None or row.get("destination.port") is not None:
        traffic = {"type": "network-traffic", "protocols": [row.get("network.transport") or "ipv4"]}
        for side, short in (("source", "src"), ("destination", "dst")):
            if side in refs:
                traffic[f"{short}_ref"] = refs[side]
            if row.get(f"{side}.port") is not None:
                traffic[f"{short}_port"] = row[f"{side}.port"]
        add(traffic)
    for col in TYPE_COLUMNS["domain-name"]:
        if row.get(col):
            add({"type": "domain-name", "value": row[col]})
    if row.get("url.original"):
        add({"type": "url", "value": row["url.original"]})
    hashes = {name: row[col] for name, col in (("MD5", "file.hash.md5"), ("SHA-1", "file.hash.sha1"),
                                               ("SHA-256", "file.hash.sha256")) if row.get(col)}
    if hashes or row.get("file.name"):
        file = {"type": "file", **({"hashes": hashes} if hashes else {})}
        if row.get("file.name"):
            file["name"] = row["file.name"]
        if row.get("file.size") is not None:
            file["size"] = row["file.size"]
        add(file)
    if row.get("email.from.address") or row.get("email.to.address") or row.get("email.subject"):
        message: dict = {"type": "email-message", "is_multipart": False}
        if row.get("email.from.address"):
            message["from_ref"] = add({"type": "email-addr", "value": row["email.from.address"]})
        if row.get("email.to.address"):
            message["to_refs"] = [add({"type": "email-addr", "value": v.strip()})
                                  for v in row["email.to.address"].split(",") if v.strip()]
        if row.get("email.subject"):
            message["subject"] = row["email.subject"]
        add(message)
    if row.get("process.command_line") or row.get("process.pid") is not None or row.get("process.executable"):
        process: dict = {"type": "process"}
        if row.get("process.command_line"):
            process["command_line"] = row["process.command_line"]
        if row.get("process.pid") is not None:
            process["pid"] = row["process.pid"]
        if row.get("process.executable"):
            process["image_ref"] = add({"type": "file", "name": row["process.executable"].replace("\\", "/")
                                        .rsplit("/", 1)[-1]})
        add(process)
    if row.get("registry.path"):
        add({"type": "windows-registry-key", "key": row["registry.path"]})
    if row.get("user.name"):
        add({"type": "user-account", "user_id": row["user.name"]})
    for kind, col in (("x-ja3", "tls.client.ja3"), ("x-ja3s", "tls.server.ja3s")):
        if row.get(col):
            add({"type": kind, "value": row[col]})
    stamp = row.get("@timestamp") or datetime.now(UTC)
    when = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    observed = {"type": "observed-data", "spec_version": "2.1", "id": f"observed-data--{uuid.uuid5(_NS, key)}",
                "created": when, "modified": when, "first_observed": when, "last_observed": when,
                "number_observed": 1, "object_refs": [s["id"] for s in scos]}
    return observed, scos


def columns(types: Iterable[str], present: Iterable[str], everything: bool) -> list[str]:
    """The batch columns an observation needs: all of them (patterns over several observations
    compare times and any object), else those feeding the pattern's object types."""
    wanted = ALL_COLUMNS if everything else {c for t in types for c in TYPE_COLUMNS.get(t, ())}
    return sorted(set(wanted) & set(present))


def bundle(observations: list[tuple[dict, list[dict]]]) -> dict:
    objects = [obj for observed, scos in observations for obj in (observed, *scos)]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
