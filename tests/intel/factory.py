"""Small, valid STIX 2.1 objects for the intel and exchange tests."""

from __future__ import annotations

import uuid

from cybershield.intel import TLP2_IDS

T0 = "2024-01-01T00:00:00.000Z"


def sid(kind: str, n: int) -> str:
    return f"{kind}--{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}/{n}')}"


def marks(tlp: str | None) -> dict:
    return {"object_marking_refs": [TLP2_IDS[tlp]]} if tlp else {}


def indicator(n: int, *, modified: str = T0, tlp: str | None = None, **extra) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": sid("indicator", n), "created": T0,
            "modified": modified, "name": f"bad host {n}", "pattern_type": "stix",
            "pattern": f"[ipv4-addr:value = '10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']",
            "valid_from": T0, **marks(tlp), **extra}


def malware(n: int, *, tlp: str | None = None) -> dict:
    return {"type": "malware", "spec_version": "2.1", "id": sid("malware", n), "created": T0, "modified": T0,
            "name": f"malware {n}", "is_family": True, **marks(tlp)}


def relationship(n: int, source: str, target: str, *, tlp: str | None = None) -> dict:
    return {"type": "relationship", "spec_version": "2.1", "id": sid("relationship", n), "created": T0,
            "modified": T0, "relationship_type": "indicates", "source_ref": source, "target_ref": target, **marks(tlp)}


def sighting(n: int, of: str, *, tlp: str | None = None) -> dict:
    return {"type": "sighting", "spec_version": "2.1", "id": sid("sighting", n), "created": T0, "modified": T0,
            "sighting_of_ref": of, "count": 1, **marks(tlp)}
