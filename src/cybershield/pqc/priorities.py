"""Migration priorities per endpoint and per constituent, with the roadmap deadline each one answers to.

Constituents (the organisations a hub serves) come from the hub configuration's ``constituents``
section (name, NIS2 ``sector`` and ``entity_type``) and from a YAML file (``--constituents FILE``) that
adds what the hub configuration does not hold: the address ranges and the data sensitivity. An entry
of the file completes (and overrides) the hub's entry of the same name:

```yaml
constituents:
  charite: {sector: health, sensitivity: high, entity_type: essential, networks: [10.47.0.0/16, 2001:db8:1::/48]}
```

High-risk (for the 2030 milestone): a sector of high criticality (NIS2 Annex I), high data sensitivity,
or an essential entity (NIS2 Art. 3).

Score (0-100, higher first), with the reasons that make it up:
* status: classically broken 60, quantum-vulnerable 40, unknown 25, hybrid-pq 10 (authentication still
  classical), pq 0;
* harvest-now-decrypt-later exposure, unless the key exchange is already post-quantum: a sector of high
  criticality (NIS2 Annex I) +10, another sector +5; data sensitivity high +15, medium +8;
* traffic: +2 per decade of connections, at most +10;
* a certificate valid past 2030: +5 (the key outlives the high-risk milestone).

Deadline: classically broken: immediately; unknown: 2026-12-31 (the inventory step); quantum-vulnerable
or hybrid: 2030-12-31 when high-risk (a high-criticality sector or high sensitivity), else 2035-12-31;
pq: none.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from .status import ALL_BY, BROKEN, HIGH_RISK_BY, HYBRID, IMMEDIATELY, PQ, START_BY, UNKNOWN, VULNERABLE

#: NIS2 (Directive (EU) 2022/2555) Annex I: sectors of high criticality.
HIGH_CRITICALITY = frozenset({"energy", "transport", "banking", "financial-market-infrastructure", "health",
                              "drinking-water", "waste-water", "digital-infrastructure", "ict-service-management",
                              "public-administration", "space"})
SENSITIVITY = {"high": 15, "medium": 8, "low": 0}
BASE = {BROKEN: 60, VULNERABLE: 40, UNKNOWN: 25, HYBRID: 10, PQ: 0}
CERT_HORIZON = "2030-12-31"


class ConstituentsError(ValueError):
    """The constituents configuration cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Constituent:
    name: str
    sector: str | None
    sensitivity: str | None
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    entity_type: str | None = None

    @property
    def high_risk(self) -> bool:
        return self.sector in HIGH_CRITICALITY or self.sensitivity == "high" or self.entity_type == "essential"


def parse_constituents(config: object, origin: str, known: dict[str, dict] | None = None) -> list[Constituent]:
    """Constituents from a mapping holding ``constituents`` (or being that section itself), each entry
    completing the entry of the same name in ``known`` (the hub configuration's, by name)."""
    if config and not isinstance(config, dict):
        raise ConstituentsError(f"{origin}: expected a mapping with a 'constituents' section")
    section = (config or {}).get("constituents", config or {})
    if not isinstance(section, dict):
        raise ConstituentsError(f"{origin}: 'constituents' must map names to settings")
    merged = {name: dict(entry) for name, entry in (known or {}).items()}
    for name, entry in section.items():
        if entry is not None and not isinstance(entry, dict):
            raise ConstituentsError(f"{origin}: constituent {name!r} must be a mapping")
        merged.setdefault(str(name), {}).update(entry or {})
    found = []
    for name, entry in merged.items():
        sensitivity = entry.get("sensitivity")
        if sensitivity is not None and sensitivity not in SENSITIVITY:
            raise ConstituentsError(f"{origin}: constituent {name!r}: sensitivity {sensitivity!r} is not one of "
                                    f"{', '.join(SENSITIVITY)}")
        networks = entry.get("networks") or []
        if not isinstance(networks, list):
            raise ConstituentsError(f"{origin}: constituent {name!r}: networks must be a list of CIDR ranges")
        try:
            parsed = tuple(ipaddress.ip_network(str(n), strict=False) for n in networks)
        except ValueError as exc:
            raise ConstituentsError(f"{origin}: constituent {name!r}: {exc}") from None
        sector = entry.get("sector")
        entity_type = entry.get("entity_type")
        found.append(Constituent(str(name), str(sector).lower() if sector else None, sensitivity, parsed,
                                 str(entity_type) if entity_type else None))
    return found


def load_constituents(path: Path | None, known: dict[str, dict] | None = None) -> list[Constituent]:
    """The constituents in ``known`` (the hub configuration's), completed by the file at ``path`` if any."""
    if path is None:
        return parse_constituents({}, "hub configuration", known)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConstituentsError(f"{path}: {exc}") from None
    return parse_constituents(config, str(path), known)


def assign(addresses: list[str | None], constituents: list[Constituent]) -> list[Constituent | None]:
    """The constituent owning each address (the longest matching prefix), None for none."""
    ranges = sorted(((net, c) for c in constituents for net in c.networks), key=lambda nc: -nc[0].prefixlen)
    owners: list[Constituent | None] = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text) if text else None
        except ValueError:
            address = None
        owners.append(next((c for net, c in ranges if address is not None and address.version == net.version
                            and address in net), None))
    return owners


def with_priorities(endpoints: pl.DataFrame, constituents: list[Constituent]) -> pl.DataFrame:
    """Endpoints with constituent, sector, sensitivity, high_risk, priority (score) and deadline."""
    servers = endpoints["server"].unique().to_list()
    owners = assign(servers, constituents)
    owner_frame = pl.DataFrame({
        "server": pl.Series(servers, dtype=pl.String),
        "constituent": pl.Series([o.name if o else None for o in owners], dtype=pl.String),
        "sector": pl.Series([o.sector if o else None for o in owners], dtype=pl.String),
        "sensitivity": pl.Series([o.sensitivity if o else None for o in owners], dtype=pl.String),
        "high_risk": pl.Series([bool(o and o.high_risk) for o in owners], dtype=pl.Boolean),
    })
    frame = endpoints.join(owner_frame, on="server", how="left", nulls_equal=True)
    status = pl.col("status")
    exposed = status.is_in([BROKEN, VULNERABLE, UNKNOWN])
    sector_points = (pl.when(pl.col("sector").is_in(list(HIGH_CRITICALITY))).then(10)
                     .when(pl.col("sector").is_not_null()).then(5).otherwise(0))
    sensitivity_points = pl.col("sensitivity").replace_strict(SENSITIVITY, default=0, return_dtype=pl.Int64)
    traffic = (pl.col("connections").cast(pl.Float64).log10() * 2).floor().clip(0, 10).cast(pl.Int64)
    long_cert = pl.col("cert_not_after").dt.date() > pl.lit(CERT_HORIZON).str.to_date()
    frame = frame.with_columns(
        exposure_points=pl.when(exposed).then(sector_points + sensitivity_points).otherwise(0),
        traffic_points=traffic,
        long_certificate=long_cert.fill_null(False),
    )
    score = (status.replace_strict(BASE, default=0, return_dtype=pl.Int64) + pl.col("exposure_points")
             + pl.col("traffic_points") + pl.when(pl.col("long_certificate")).then(5).otherwise(0))
    deadline = (pl.when(status == BROKEN).then(pl.lit(IMMEDIATELY))
                .when(status == UNKNOWN).then(pl.lit(START_BY))
                .when(status == PQ).then(pl.lit(None, pl.String))
                .when(pl.col("high_risk")).then(pl.lit(HIGH_RISK_BY))
                .otherwise(pl.lit(ALL_BY)))
    return frame.with_columns(priority=score.clip(0, 100), deadline=deadline)


def why() -> pl.Expr:
    """The parts of an endpoint's score, in words (a list column over ``with_priorities`` columns)."""
    base = pl.col("status").replace_strict(BASE, default=0, return_dtype=pl.Int64)
    return pl.concat_list(
        pl.format("{} (+{})", pl.col("status"), base),
        pl.when(pl.col("exposure_points") > 0).then(pl.format(
            "harvest-now-decrypt-later exposure: sector {}, sensitivity {} (+{})", pl.col("sector").fill_null("-"),
            pl.col("sensitivity").fill_null("-"), pl.col("exposure_points"))),
        pl.when(pl.col("traffic_points") > 0).then(pl.format(
            "{} connections (+{})", pl.col("connections"), pl.col("traffic_points"))),
        pl.when(pl.col("long_certificate")).then(pl.lit(f"certificate valid past {CERT_HORIZON} (+5)")),
    ).list.drop_nulls()


_DEADLINE_ORDER = {IMMEDIATELY: "0000", None: "9999"}


def earliest(deadlines) -> str | None:
    """The most urgent of some deadlines ("immediately" first; None, meaning none, last)."""
    return min(deadlines, key=lambda d: _DEADLINE_ORDER.get(d, d), default=None)
