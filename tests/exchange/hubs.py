"""Hubs with keys in memory (no key files, no Argon2id) and STIX objects for the envelope tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from cybershield.exchange import EnvelopeReceiver, EnvelopeSealer, HubIdentity, HubKeys, Keyring
from cybershield.exchange.keys import PrivateKeys
from cybershield.intel import TLP2_IDS

COUNTRIES = {"de-hub": "DE", "fr-hub": "FR", "it-hub": "IT", "pl-hub": "PL", "eu-west": "BE"}


def hub(name: str, algorithms: tuple[str, ...] | None = None) -> HubKeys:
    role = "cross-border" if name == "eu-west" else "national"
    options = {"algorithms": algorithms} if algorithms else {}
    return HubKeys(HubIdentity.new(name, COUNTRIES.get(name, "AT"), role), (PrivateKeys.generate(name, **options),))


def with_expiry(keys: HubKeys, expires: datetime) -> HubKeys:
    """The same hub whose (single) generation ends at ``expires``."""
    generation = keys.current
    return HubKeys(keys.identity, (replace(generation, public=replace(generation.public, expires=expires)),))


def network(*names: str) -> tuple[dict[str, HubKeys], Keyring]:
    hubs = {name: hub(name) for name in names}
    return hubs, Keyring(h.bundle() for h in hubs.values())


def receiver(hubs: dict[str, HubKeys], name: str, **options) -> EnvelopeReceiver:
    return EnvelopeReceiver(hubs[name], Keyring(h.bundle() for h in hubs.values()), **options)


def sealer(hubs: dict[str, HubKeys], name: str, **options) -> EnvelopeSealer:
    return EnvelopeSealer(hubs[name], Keyring(h.bundle() for h in hubs.values()), **options)


def indicators(count: int, tlp: str = "GREEN", start: int = 0) -> list[dict]:
    stamp = "2026-11-30T08:00:00.000Z"
    return [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
             "created": stamp, "modified": stamp, "name": f"C2 server {n}", "pattern_type": "stix",
             "pattern": f"[ipv4-addr:value = '198.51.{n >> 8 & 255}.{n & 255}']", "valid_from": stamp,
             "object_marking_refs": [TLP2_IDS[tlp]]} for n in range(start, start + count)]
