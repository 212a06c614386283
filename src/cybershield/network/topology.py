"""The network file: every hub (name, country, role, URL, public keys) and each cross-border hub's members and
sharing agreement. One file for the whole network; each hub's configuration points to it.

.. code-block:: yaml

    hubs:
      de-hub: {country: DE, role: national, url: "http://127.0.0.1:8101", keys: keys/de-hub.json}
      eu-xb:
        country: EU
        role: cross-border
        url: "http://127.0.0.1:8100"
        keys: keys/eu-xb.json          # a public key bundle (``cybershield hub keys show --json``), or inline
        agreement: {members: [de-hub, fr-hub, nl-hub], warning: {min_countries: 2, window_hours: 24}}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import yaml

from ..exchange import KeyBundle, Keyring
from .agreement import Agreement


class NetworkError(ValueError):
    """A network file that cannot be used, naming the file and the key."""


@dataclass(frozen=True)
class HubEntry:
    name: str
    country: str
    role: str
    url: str
    keys: KeyBundle | None
    agreement: Agreement | None = None

    @property
    def exchange_url(self) -> str:
        return f"{self.url.rstrip('/')}/api/v1/exchange"


@dataclass(frozen=True)
class Topology:
    hubs: dict[str, HubEntry]
    source: Path | None = None

    def cross_border_of(self, name: str) -> list[HubEntry]:
        """The cross-border hubs ``name`` is a member of."""
        return [h for h in self.hubs.values() if h.agreement is not None and name in h.agreement.members]

    def keyring(self) -> Keyring:
        return Keyring(h.keys for h in self.hubs.values() if h.keys is not None)

    def entry(self, name: str) -> HubEntry:
        if name not in self.hubs:
            raise NetworkError(f"{self.source}: hub {name!r} is not in the network ({', '.join(sorted(self.hubs))})")
        return self.hubs[name]


def load_topology(path: Path) -> Topology:
    """Read and check the network file at ``path``."""
    try:
        document = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NetworkError(f"{path}: cannot read the network file: {exc}") from None
    hubs_spec = document.get("hubs") if isinstance(document, dict) else None
    if not isinstance(hubs_spec, dict) or not hubs_spec:
        raise NetworkError(f"{path}: hubs: a mapping of hub name to its entry is required")
    hubs = {}
    for name, spec in hubs_spec.items():
        where = f"{path}: hubs.{name}"
        if not isinstance(spec, dict):
            raise NetworkError(f"{where}: a mapping is required")
        try:
            keys = spec.get("keys")
            if isinstance(keys, str):
                keys = orjson.loads((Path(path).parent / keys).read_bytes())
            agreement = Agreement.from_dict(spec["agreement"]) if spec.get("agreement") else None
            role = str(spec.get("role", "national"))
            if role not in ("national", "cross-border") or (role == "cross-border") != (agreement is not None):
                raise ValueError("a cross-border hub has an agreement with its members; a national hub has none")
            hubs[str(name)] = HubEntry(str(name), str(spec["country"]), role, str(spec["url"]),
                                       KeyBundle.from_json(keys) if keys is not None else None, agreement)
        except KeyError as exc:
            raise NetworkError(f"{where}: {exc.args[0]} is missing") from None
        except (OSError, ValueError, TypeError) as exc:
            raise NetworkError(f"{where}: {exc}") from None
    for hub in hubs.values():
        unknown = [m for m in (hub.agreement.members if hub.agreement else ()) if m not in hubs]
        if unknown:
            raise NetworkError(f"{path}: hubs.{hub.name}.agreement.members: unknown hubs {', '.join(unknown)}")
    return Topology(hubs, Path(path))
