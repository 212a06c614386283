"""What an alert saw outside the hub: the external observables of its events, for sharing.

When a batch raises alerts, the detection worker looks up each alert's events in that batch (by their
provenance) and records under ``context.observables`` the values of the ECS fields that name something
outside the organisation: external addresses (private, shared, loopback, link-local and multicast
addresses are left out, so that internal addresses never leave the hub), domain names, URLs, file
hashes, e-mail addresses and TLS fingerprints. The federation shares these as sightings; an analyst
sees them in the alert.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..detect import Alert
from ..events import PROVENANCE_RECORD_ID, PROVENANCE_SOURCE

ADDRESS_FIELDS = ("source.ip", "destination.ip")
OBSERVABLE_FIELDS = (*ADDRESS_FIELDS, "dns.question.name", "url.domain", "url.original", "tls.client.server_name",
                     "tls.client.ja3", "tls.server.ja3s", "file.hash.md5", "file.hash.sha1", "file.hash.sha256",
                     "email.from.address", "email.to.address")


#: Addresses that belong to the organisation or to no one: private (RFC 1918, unique local), shared
#: (RFC 6598), loopback, link-local, "this network", multicast. Documentation ranges (TEST-NET) count as
#: external: they stand for public addresses in examples and exercises.
INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8",
    "224.0.0.0/4", "255.255.255.255/32", "fc00::/7", "fe80::/10", "::1/128", "::/128", "ff00::/8"))


def is_external(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not any(ip in network for network in INTERNAL)


def attach_observables(alerts: Iterable[Alert], batch: pa.Table | None) -> None:
    """Set ``context["observables"]`` (field -> sorted values) on each alert whose events are in ``batch``."""
    alerts = list(alerts)
    wanted = {(e.source, e.record_id) for alert in alerts for e in alert.events}
    if batch is None or not wanted or PROVENANCE_RECORD_ID not in batch.column_names:
        return
    fields = [f for f in OBSERVABLE_FIELDS if f in batch.column_names]
    ids = pa.array(sorted({record_id for _, record_id in wanted}), pa.int64())
    rows = batch.filter(pc.is_in(batch.column(PROVENANCE_RECORD_ID), value_set=ids))
    events = {(row[PROVENANCE_SOURCE], row[PROVENANCE_RECORD_ID]): row
              for row in rows.select([PROVENANCE_SOURCE, PROVENANCE_RECORD_ID, *fields]).to_pylist()}
    for alert in alerts:
        seen: dict[str, set] = defaultdict(set)
        for ref in alert.events:
            row = events.get((ref.source, ref.record_id))
            for name in fields if row else ():
                value = row[name]
                if value and (name not in ADDRESS_FIELDS or is_external(value)):
                    seen[name].add(value)
        if seen:
            alert.context["observables"] = {name: sorted(values) for name, values in seen.items()}
