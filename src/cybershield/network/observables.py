"""Observables a hub may share: the external values of an event (public addresses, domains, URLs, hashes).

Internal addresses never leave a country: RFC 1918, loopback, link-local, carrier-grade NAT, unique-local
IPv6, multicast and unspecified addresses are dropped, and so are the constituents' own ranges. The
documentation ranges (RFC 5737, RFC 3849) stand for public addresses here, as exercises use them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "::1/128", "::/128", "fc00::/7", "fe80::/10", "ff00::/8"))
#: ECS fields of an event that hold an observable, and its STIX cyber-observable type.
FIELDS = {
    "source.ip": "ipv4-addr", "destination.ip": "ipv4-addr", "dns.question.name": "domain-name",
    "url.full": "url", "url.domain": "domain-name", "tls.client.server_name": "domain-name",
    "file.hash.sha256": "file:hashes.'SHA-256'", "file.hash.sha1": "file:hashes.'SHA-1'",
    "file.hash.md5": "file:hashes.MD5", "email.from.address": "email-addr",
}


@dataclass(frozen=True, order=True)
class Observable:
    """A STIX-typed value: ``ipv4-addr`` / ``ipv6-addr`` / ``domain-name`` / ``url`` / ``file:hashes.'SHA-256'`` …"""

    type: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.type}={self.value}"

    def pattern(self) -> str:
        """The STIX pattern that matches it."""
        path = self.type if ":" in self.type else f"{self.type}:value"
        escaped = self.value.replace("\\", "\\\\").replace("'", "\\'")
        return f"[{path} = '{escaped}']"


def is_internal(address: str, networks: Iterable[ipaddress._BaseNetwork] = ()) -> bool:
    """Whether ``address`` is one that never leaves the country (or is not an address at all)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    return any(ip in n for n in (*_INTERNAL, *networks) if n.version == ip.version)


def external_observables(event: Mapping[str, object], networks: Iterable[ipaddress._BaseNetwork] = ()) -> list[Observable]:
    """The shareable observables of one event (its ECS fields), internal addresses left out."""
    networks = tuple(networks)
    found = set()
    for field, kind in FIELDS.items():
        value = event.get(field)
        if not isinstance(value, str) or not value or len(value) > 2048:
            continue
        if kind == "ipv4-addr":
            if is_internal(value, networks):
                continue
            kind = "ipv6-addr" if ":" in value else kind
        elif kind == "domain-name":
            value = value.rstrip(".").lower()
            if "." not in value or value.endswith((".local", ".lan", ".internal", ".arpa")):
                continue
        elif kind.startswith("file:"):
            value = value.lower()
        found.add(Observable(kind, value))
    return sorted(found)


#: The ECS field that holds each STIX cyber-observable type (the first of :data:`FIELDS` that does).
_FIELD_OF = {kind: field for field, kind in reversed(FIELDS.items())} | {"ipv6-addr": "source.ip"}


def typed_observables(items: Iterable[Mapping[str, object]], networks: Iterable[ipaddress._BaseNetwork] = ()
                      ) -> list[Observable]:
    """The shareable ones of ``{"type", "value"}`` observables (an incident's): internal addresses, hosts,
    user accounts and any other type that is not an external observable are left out."""
    found: set[Observable] = set()
    for item in items:
        field = _FIELD_OF.get(str(item.get("type"))) if isinstance(item, Mapping) else None
        if field is not None:
            found.update(external_observables({field: item.get("value")}, networks))
    return sorted(found)


def alert_observables(context: Mapping[str, object], networks: Iterable[ipaddress._BaseNetwork] = ()
                      ) -> list[Observable]:
    """The shareable observables of an alert's context: the events it observed and the value it matched
    (``networks``: the hub's own ranges besides the internal ones)."""
    observed = context.get("observed") or []
    matched = context.get("matched")
    if isinstance(matched, Mapping) and matched.get("field") and matched.get("value") is not None:
        observed = [*observed, {matched["field"]: str(matched["value"])}]
    return sorted({o for event in observed if isinstance(event, Mapping) for o in external_observables(event, networks)})

