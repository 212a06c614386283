"""Telemetry records of an exercise: one log line each, with its time, format and label.

A record keeps the source's own shape (a Zeek JSON line, a Suricata EVE event, an evtx_dump event,
a CICFlowMeter row), so that a hub parses it exactly as it parses a real feed. ``retime`` and
``readdress`` move records taken from real captures into a scenario's time and address space.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import orjson

#: Formats a record can have, as the hub's ingest endpoint names them.
FORMATS = ("zeek-json", "suricata-eve", "evtx-json", "cicflowmeter")
_ADDRESS_FIELDS = {
    "zeek-json": ("id.orig_h", "id.resp_h"),
    "suricata-eve": ("src_ip", "dest_ip"),
    "cicflowmeter": ("Src IP", "Dst IP"),
    "evtx-json": ("SourceIp", "DestinationIp", "IpAddress", "SourceAddress", "DestAddress"),
}


@dataclass(frozen=True)
class Record:
    """One log line: when it happened, its format, its content and what it is (a stage label or ``background``)."""

    at: datetime
    format: str
    data: dict
    label: str

    def line(self) -> bytes:
        """The record in its format, with its time written where that format keeps it."""
        data = _stamped(self.format, self.data, self.at)
        if self.format == "cicflowmeter":
            return ",".join("" if v is None else str(v) for v in data.values()).encode()
        return orjson.dumps(data)

    def header(self) -> bytes | None:
        """The CSV header line for CICFlowMeter rows, else ``None``."""
        return ",".join(self.data).encode() if self.format == "cicflowmeter" else None


def _stamped(fmt: str, data: dict, at: datetime) -> dict:
    data = dict(data)
    if fmt == "zeek-json":
        data["ts"] = round(at.timestamp(), 6)
    elif fmt == "suricata-eve":
        data["timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    elif fmt == "cicflowmeter":
        data["Timestamp"] = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    elif fmt == "evtx-json":
        event = orjson.loads(orjson.dumps(data))
        system = event["Event"]["System"]
        system["TimeCreated"] = {"#attributes": {"SystemTime": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}
        payload = event["Event"].get("EventData")
        if isinstance(payload, dict) and "UtcTime" in payload:
            payload["UtcTime"] = at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"
        data = event
    return data


def retime(records: list[Record], start: datetime, window: timedelta) -> list[Record]:
    """``records`` moved to begin at ``start``, in their order, their spacing kept or shrunk to fit ``window``."""
    if not records:
        return []
    ordered = sorted(records, key=lambda r: r.at)
    first, span = ordered[0].at, ordered[-1].at - ordered[0].at
    scale = min(1.0, window / span) if span > timedelta(0) else 1.0
    return [replace(r, at=start + (r.at - first) * scale) for r in ordered]


def readdress(records: Iterable[Record], mapping: Callable[[str], str]) -> list[Record]:
    """``records`` with every address of their format's address fields passed through ``mapping``."""
    out = []
    for record in records:
        data = orjson.loads(orjson.dumps(record.data))
        target = data["Event"].get("EventData") if record.format == "evtx-json" else data
        if isinstance(target, dict):
            for field in _ADDRESS_FIELDS[record.format]:
                value = target.get(field)
                if isinstance(value, str) and _is_ipv4(value):
                    target[field] = mapping(value)
        out.append(replace(record, data=data))
    return out


class AddressMap:
    """A stable mapping of a capture's addresses into the scenario: private ones into the victim's network,
    public ones onto the campaign's infrastructure (or onto the background's public range)."""

    def __init__(self, rng: random.Random, network: ipaddress.IPv4Network, public: list[str]):
        self.rng, self.network, self.public = rng, network, public
        self.seen: dict[str, str] = {}

    def __call__(self, address: str) -> str:
        if address in self.public:  # already the campaign's own (generated records)
            return address
        if address not in self.seen:
            if ipaddress.IPv4Address(address).is_private:
                host = self.rng.randrange(2, min(self.network.num_addresses - 2, 4094))
                self.seen[address] = str(self.network.network_address + host)
            else:
                self.seen[address] = self.public[len([v for v in self.seen.values() if v in self.public])
                                                 % len(self.public)]
        return self.seen[address]


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


