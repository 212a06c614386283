"""A campaign's infrastructure: the command-and-control addresses, domains and payload hashes it reuses
in every country it hits, drawn from the scenario's seed, and the STIX 2.1 indicators that describe it."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass

import stix2

#: Campaign servers come from TEST-NET-3, the background's public peers from TEST-NET-2 (RFC 5737).
C2_RANGE = "203.0.113."
BACKGROUND_RANGE = "198.51.100."
_WORDS = ("update", "cdn", "sync", "telemetry", "portal", "secure", "cloud", "static", "api", "mail")
_TLDS = ("net", "com", "org", "info", "eu")


@dataclass(frozen=True)
class Infrastructure:
    """What the campaign reuses across countries."""

    c2_addresses: tuple[str, ...]
    domains: tuple[str, ...]
    payloads: tuple[str, ...]

    @classmethod
    def draw(cls, rng: random.Random, c2_addresses: int = 2, domains: int = 2, payloads: int = 1) -> Infrastructure:
        hosts = rng.sample(range(10, 250), max(c2_addresses, 1))
        names = [f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}{rng.randint(2, 99)}.example-{rng.choice(_TLDS)}.net"
                 for _ in range(max(domains, 1))]
        hashes = [hashlib.sha256(rng.randbytes(64)).hexdigest() for _ in range(max(payloads, 1))]
        return cls(tuple(f"{C2_RANGE}{h}" for h in hosts), tuple(names), tuple(hashes))

    def observables(self) -> set[str]:
        """Every value a hub could hold an indicator for."""
        return {*self.c2_addresses, *self.domains, *self.payloads}

    def indicators(self, campaign: str) -> list[dict]:
        """STIX 2.1 indicators for each piece (stable ids: the same scenario and seed give the same ids)."""
        patterns = [*(f"[ipv4-addr:value = '{a}']" for a in self.c2_addresses),
                    *(f"[domain-name:value = '{d}']" for d in self.domains),
                    *(f"[file:hashes.'SHA-256' = '{h}']" for h in self.payloads)]
        stamp = "2026-01-01T00:00:00Z"
        return [dict(stix2.Indicator(
            id=f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{campaign}/{p}')}", name=f"{campaign}: {p}",
            pattern=p, pattern_type="stix", valid_from=stamp, created=stamp, modified=stamp,
            indicator_types=["malicious-activity"], object_marking_refs=[stix2.TLP_GREEN.id]))
            for p in patterns]
