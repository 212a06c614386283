"""The hub configuration: one YAML file, parsed once into typed, frozen objects.

The file is ``$CYBERSHIELD_HUB_CONFIG`` (default ``var/hub.yaml``); a hub without one runs as ``hub`` with
no accounts. Every key is checked: an unknown key, a value of the wrong kind or out of range, or YAML
that does not parse is one :class:`ConfigError` naming the file and the key. The sharing policy
(``intel.SharingPolicy``), the TAXII settings (``exchange.TaxiiSettings``) and the TAXII peer links
(``exchange.PeerLink``) are built from this object, so that no other module reads the file.

.. code-block:: yaml

    hub: {name: de-hub, country: DE, role: national, default_tlp: AMBER, timezone: Europe/Berlin}
    service: {host: 127.0.0.1, port: 8400}
    taxii: {title: ..., api_root: api1, max_content_length: 10485760, collections: {hub: {title: ...}}}
    peers: {fr-hub: {secret: pbkdf2_sha256$..., read: [hub], write: [inbox], rights: [exchange], pull: [URL],
                     push: URL, username: de-hub, password_env: FR_HUB_PASSWORD, into: hub}}
    constituents: {charite: {secret: ..., read: [hub], rights: [ingest], sector: health, entity_type: essential}}
    groups: {west: [fr-hub]}
    accounts: {soc: {secret: ..., rights: [alerts, warnings], read: [hub]}}
    archive: {retention_days: 30, dir: var/archive}
    ingest: {max_body_bytes: 67108864}
    sigma: {rules: [path, ...], placeholders: {admin_users: [alice, bob]}}
    dashboard: {open_on_loopback: true}   # the dashboard without login when the hub listens on loopback only
    detect: {indicator_reload_seconds: 10}
    network: {file: ../network.yaml, keys: keys, readiness_share_seconds: 3600}
    response: {grouping: {rules: [host, user, indicator, campaign], window_minutes: 120, fields: {host: [host.name]}}}
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
import yaml

from ..config import secret_from_env
from ..exchange import Account, Collection, LoginLimits, PeerLink, TaxiiSettings
from ..intel import DEFAULT_COLLECTION, LEVELS, Recipient, SharingPolicy
from .errors import ConfigError

ROLES = ("national", "cross-border")
#: What an account may do on the hub's JSON API (TAXII rights are ``read``/``write`` per collection).
RIGHTS = ("ingest", "alerts", "warnings", "exchange", "incidents", "admin")
#: What ``incident group`` may group alerts by (``response.grouping.rules``).
GROUPING_RULES = ("host", "user", "indicator", "campaign", "technique", "source")
#: NIS2 sectors (Annexes I and II), for constituents.
SECTORS = ("energy", "transport", "banking", "financial-market-infrastructure", "health", "drinking-water",
           "waste-water", "digital-infrastructure", "ict-service-management", "public-administration", "space",
           "postal-and-courier", "waste-management", "chemicals", "food", "manufacturing", "digital-providers",
           "research", "other")
#: NIS2 Art. 3 entity types.
ENTITY_TYPES = ("essential", "important")
#: The data sensitivity of a constituent (the post-quantum migration priorities weigh it).
SENSITIVITIES = ("high", "medium", "low")
DEFAULT_PORT = 8400
DEFAULT_RETENTION_DAYS = 30
DEFAULT_MAX_BODY = 64 * 1024 * 1024
DEFAULT_RELOAD_SECONDS = 10.0
DEFAULT_READINESS_SHARE = 3600.0
_TAXII_MAX = 10 * 1024 * 1024


@dataclass(frozen=True)
class Login:
    """An account's credentials (a salted hash, ``taxii hash-secret``) and its rights: TAXII ``read``/``write``
    per collection name and the API ``rights``. Without a secret it cannot log in."""

    secret: str | None = None
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    rights: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PeerConfig:
    """A peer hub: its login here, and how this hub reaches its TAXII server."""

    name: str
    login: Login
    pull: tuple[str, ...] = ()
    push: str | None = None
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    into: str = DEFAULT_COLLECTION

    def link(self) -> PeerLink:
        """The TAXII link to this peer; the password is read from ``password_env`` now, not at parse time."""
        password = self.password or secret_from_env(self.password_env or "")
        return PeerLink(self.name, self.pull, self.push, self.username, password, self.into)


@dataclass(frozen=True)
class ConstituentConfig:
    """An organisation the hub serves: its NIS2 sector and entity type, its data sensitivity and the
    address ranges it owns (the post-quantum inventory counts its endpoints by them)."""

    name: str
    login: Login
    sector: str | None = None
    entity_type: str | None = None
    sensitivity: str | None = None
    networks: tuple[str, ...] = ()

    def profile(self) -> dict:
        """What ``pqc.parse_constituents`` reads of it."""
        return {"sector": self.sector, "entity_type": self.entity_type, "sensitivity": self.sensitivity,
                "networks": list(self.networks)}


@dataclass(frozen=True)
class AccountConfig:
    """An operator or service account (an analyst, a SIEM forwarder, the network launcher)."""

    name: str
    login: Login


@dataclass(frozen=True)
class TaxiiConfig:
    title: str = "cybershield TAXII 2.1"
    api_root: str = "api1"
    max_content_length: int = _TAXII_MAX
    #: Each collection's id is stable (derived from its name) unless the file gives one.
    collections: tuple[Collection, ...] = ()
    cursor_secret: str = ""
    login_limits: LoginLimits = field(default_factory=LoginLimits)


@dataclass(frozen=True)
class ArchiveConfig:
    """Ingested events kept as Parquet by day (``dir``, default ``$CYBERSHIELD_VAR/archive``) for ``retention_days``."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    dir: Path | None = None


@dataclass(frozen=True)
class SigmaConfig:
    """Extra Sigma rule paths and the values of Sigma placeholders (``%name%``)."""

    rules: tuple[Path, ...] = ()
    placeholders: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class GroupingConfig:
    """How alerts are grouped into incidents: the rules (``None``: the response package's default ones), the
    sliding window, and per rule the ECS field names that give its key (a rule not named keeps its defaults)."""

    rules: tuple[str, ...] | None = None
    window_minutes: int = 120
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class NetworkConfig:
    """Where the network file is (hubs, URLs, public keys, agreements) and this hub's key folder; how often a
    national hub sends its anonymised readiness figures to its cross-border hubs (also whenever they change)."""

    file: Path | None = None
    keys: Path | None = None
    readiness_share_seconds: float = DEFAULT_READINESS_SHARE


@dataclass(frozen=True)
class DashboardConfig:
    """The web dashboard: ``open_on_loopback`` lets anyone on this machine read it without logging in, when
    the hub listens on a loopback address only (127.0.0.1, ::1); elsewhere it always needs the right ``alerts``."""

    open_on_loopback: bool = True


@dataclass(frozen=True)
class HubConfig:
    """The whole hub configuration, typed and checked."""

    path: Path | None = None
    name: str = "hub"
    country: str | None = None
    role: str = "national"
    default_tlp: str = "AMBER"
    timezone: str = "UTC"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    taxii: TaxiiConfig = field(default_factory=TaxiiConfig)
    peers: Mapping[str, PeerConfig] = field(default_factory=lambda: MappingProxyType({}))
    constituents: Mapping[str, ConstituentConfig] = field(default_factory=lambda: MappingProxyType({}))
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    accounts: Mapping[str, AccountConfig] = field(default_factory=lambda: MappingProxyType({}))
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    max_body_bytes: int = DEFAULT_MAX_BODY
    sigma: SigmaConfig = field(default_factory=SigmaConfig)
    #: How often a running hub looks for changes in its intel store and reloads its live indicators.
    indicator_reload_seconds: float = DEFAULT_RELOAD_SECONDS
    network: NetworkConfig = field(default_factory=NetworkConfig)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    grouping: GroupingConfig = field(default_factory=GroupingConfig)

    @property
    def constituent_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The address ranges of every constituent (checked when the configuration was read)."""
        return tuple(ipaddress.ip_network(n, strict=False) for c in self.constituents.values() for n in c.networks)

    @property
    def logins(self) -> dict[str, Login]:
        """Every login of the hub (peers, constituents, accounts) by name."""
        return {entry.name: entry.login
                for section in (self.peers, self.constituents, self.accounts) for entry in section.values()}

    def rights_of(self, name: str) -> frozenset[str]:
        """The API rights of the login ``name`` (``admin`` implies every right)."""
        login = self.logins.get(name)
        if login is None:
            return frozenset()
        return frozenset(RIGHTS) if "admin" in login.rights else login.rights

    def describe(self) -> dict:
        """The configuration as JSON-ready data, secrets left out (``cybershield hub check``)."""
        def login(entry) -> dict:
            return {"can_log_in": bool(entry.login.secret), "rights": sorted(self.rights_of(entry.name)),
                    "read": sorted(entry.login.read), "write": sorted(entry.login.write)}

        return {
            "path": str(self.path) if self.path else None, "name": self.name, "country": self.country,
            "role": self.role, "default_tlp": self.default_tlp, "timezone": self.timezone,
            "service": {"host": self.host, "port": self.port},
            "taxii": {"api_root": self.taxii.api_root, "max_content_length": self.taxii.max_content_length,
                      "collections": {c.name: c.id for c in self.taxii.collections}},
            "peers": {n: {**login(p), "pull": list(p.pull), "push": p.push} for n, p in self.peers.items()},
            "constituents": {n: {**login(c), "sector": c.sector, "entity_type": c.entity_type}
                             for n, c in self.constituents.items()},
            "groups": {n: list(m) for n, m in self.groups.items()},
            "accounts": {n: login(a) for n, a in self.accounts.items()},
            "archive": {"retention_days": self.archive.retention_days,
                        "dir": str(self.archive.dir) if self.archive.dir else None},
            "ingest": {"max_body_bytes": self.max_body_bytes},
            "sigma": {"rules": [str(p) for p in self.sigma.rules], "placeholders": sorted(self.sigma.placeholders)},
            "detect": {"indicator_reload_seconds": self.indicator_reload_seconds},
            "dashboard": {"open_on_loopback": self.dashboard.open_on_loopback},
        }

    def sharing_policy(self) -> SharingPolicy:
        recipients = {name: Recipient(name, "peer") for name in self.peers}
        recipients |= {name: Recipient(name, "constituent") for name in self.constituents}
        recipients |= {name: Recipient(name, "group", members) for name, members in self.groups.items()}
        return SharingPolicy(self.name, self.default_tlp, recipients)

    def taxii_settings(self) -> TaxiiSettings:
        accounts = {name: Account(name, login.secret, login.read, login.write)
                    for name, login in self.logins.items() if login.secret}
        return TaxiiSettings(self.taxii.title, self.taxii.api_root, self.taxii.max_content_length,
                             {c.id: c for c in self.taxii.collections}, accounts, self.taxii.login_limits,
                             self.taxii.cursor_secret)

    def peer_links(self) -> list[PeerLink]:
        """The peers this hub pulls from or pushes to over TAXII."""
        return [peer.link() for peer in self.peers.values() if peer.pull or peer.push]


def load_hub_config(path: Path) -> HubConfig:
    """The configuration in ``path``; the defaults when the file does not exist. Raises :class:`ConfigError`."""
    if not path.is_file():
        if path.exists():
            raise ConfigError(path, "", "not a file")
        return parse_hub_config({}, path)
    try:
        document = yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(path, "", f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    return parse_hub_config(document, path)


def parse_hub_config(document: object, path: Path | str = "<hub configuration>") -> HubConfig:
    """Check and type a configuration document (the YAML's top-level mapping)."""
    return _Parser(path).hub(document)


_TOP = ("hub", "service", "taxii", "peers", "constituents", "groups", "accounts", "archive", "ingest", "sigma",
        "detect", "network", "response", "dashboard")
_LOGIN = ("secret", "read", "write", "rights")


class _Parser:
    """Walks the document; every problem is a ``ConfigError`` naming the dotted key."""

    def __init__(self, path: Path | str):
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def mapping(self, value: object, key: str, allowed: tuple[str, ...] | None = None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping, not {type(value).__name__}")
        for name in value:
            if not isinstance(name, str):
                raise self.fail(key, f"keys must be text, not {name!r}")
            if allowed is not None and name not in allowed:
                raise self.fail(_join(key, name), f"unknown key; known here: {', '.join(allowed)}")
        return value

    def text(self, section: dict, key: str, name: str, default: str | None = None,
             choices: tuple[str, ...] | None = None) -> str | None:
        value = section.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(_join(key, name), f"must be text, not {type(value).__name__}")
        value = str(value).strip()
        if not value:
            raise self.fail(_join(key, name), "must not be empty")
        if choices is not None and value not in choices:
            raise self.fail(_join(key, name), f"{value!r} is not one of {', '.join(choices)}")
        return value

    def integer(self, section: dict, key: str, name: str, default: int, minimum: int, maximum: int) -> int:
        value = section.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_join(key, name), f"must be a whole number, not {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(_join(key, name), f"{value} is out of range ({minimum} to {maximum})")
        return value

    def boolean(self, section: dict, key: str, name: str, default: bool) -> bool:
        value = section.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(_join(key, name), f"must be true or false, not {value!r}")
        return value

    def seconds(self, section: dict, key: str, name: str, default: float, minimum: float, maximum: float) -> float:
        value = section.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(_join(key, name), f"must be a number of seconds, not {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(_join(key, name), f"{value} is out of range ({minimum} to {maximum})")
        return float(value)

    def names(self, section: dict, key: str, name: str, choices: tuple[str, ...] | frozenset | None = None,
              ) -> tuple[str, ...]:
        value = section.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(_join(key, name), "must be a list of names")
        if choices is not None:
            unknown = sorted(set(value) - set(choices))
            if unknown:
                raise self.fail(_join(key, name), f"unknown: {', '.join(unknown)}; known: {', '.join(sorted(choices))}")
        return tuple(value)

    def hub(self, document: object) -> HubConfig:
        top = self.mapping(document, "", _TOP)
        hub = self.mapping(top.get("hub"), "hub", ("name", "country", "role", "default_tlp", "timezone"))
        service = self.mapping(top.get("service"), "service", ("host", "port"))
        taxii = self.taxii(self.mapping(top.get("taxii"), "taxii",
                                        ("title", "api_root", "max_content_length", "collections",
                                         "cursor_secret", "login_limits")))
        collections = frozenset(c.name for c in taxii.collections)
        peers = {name: self.peer(name, spec, collections) for name, spec in self.mapping(top.get("peers"), "peers").items()}
        constituents = {name: self.constituent(name, spec, collections)
                        for name, spec in self.mapping(top.get("constituents"), "constituents").items()}
        accounts = {}
        for name, spec in self.mapping(top.get("accounts"), "accounts").items():
            key = f"accounts.{name}"
            if name in peers or name in constituents:
                raise self.fail(key, "this name is already a peer or constituent; login names must be unique")
            accounts[name] = AccountConfig(name, self.login(self.mapping(spec, key, _LOGIN), key, collections))
        clash = sorted(set(peers) & set(constituents))
        if clash:
            raise self.fail(f"constituents.{clash[0]}", "this name is already a peer; login names must be unique")
        groups = {}
        for name, members in self.mapping(top.get("groups"), "groups").items():
            groups[name] = self.names({name: members}, "groups", name, frozenset(peers))
            if name in peers or name in constituents:
                raise self.fail(f"groups.{name}", "this name is already a peer or constituent")
        archive = self.mapping(top.get("archive"), "archive", ("retention_days", "dir"))
        ingest = self.mapping(top.get("ingest"), "ingest", ("max_body_bytes",))
        sigma = self.mapping(top.get("sigma"), "sigma", ("rules", "placeholders"))
        detect = self.mapping(top.get("detect"), "detect", ("indicator_reload_seconds",))
        placeholders = {name: self.names({name: values}, "sigma.placeholders", name)
                        for name, values in self.mapping(sigma.get("placeholders"), "sigma.placeholders").items()}
        archive_dir = self.text(archive, "archive", "dir")
        network = self.mapping(top.get("network"), "network", ("file", "keys", "readiness_share_seconds"))
        dashboard = self.mapping(top.get("dashboard"), "dashboard", ("open_on_loopback",))
        network_file, keys_dir = self.text(network, "network", "file"), self.text(network, "network", "keys")
        return HubConfig(
            path=Path(self.path) if not isinstance(self.path, str) else None,
            name=self.text(hub, "hub", "name", "hub"),
            country=self.country(hub),
            role=self.text(hub, "hub", "role", "national", ROLES),
            default_tlp=self.tlp(hub),
            timezone=self.timezone(hub),
            host=self.text(service, "service", "host", "127.0.0.1"),
            port=self.integer(service, "service", "port", DEFAULT_PORT, 1, 65535),
            taxii=taxii,
            peers=MappingProxyType(peers),
            constituents=MappingProxyType(constituents),
            groups=MappingProxyType(groups),
            accounts=MappingProxyType(accounts),
            archive=ArchiveConfig(self.integer(archive, "archive", "retention_days", DEFAULT_RETENTION_DAYS, 1, 36_500),
                                  Path(archive_dir) if archive_dir else None),
            max_body_bytes=self.integer(ingest, "ingest", "max_body_bytes", DEFAULT_MAX_BODY, 1, 1 << 40),
            sigma=SigmaConfig(tuple(Path(p) for p in self.names(sigma, "sigma", "rules")),
                              MappingProxyType(placeholders)),
            indicator_reload_seconds=self.seconds(detect, "detect", "indicator_reload_seconds",
                                                  DEFAULT_RELOAD_SECONDS, 0.05, 86_400),
            network=NetworkConfig(Path(network_file) if network_file else None, Path(keys_dir) if keys_dir else None,
                                  self.seconds(network, "network", "readiness_share_seconds", DEFAULT_READINESS_SHARE,
                                               1, 7 * 86_400)),
            dashboard=DashboardConfig(self.boolean(dashboard, "dashboard", "open_on_loopback", True)),
            grouping=self.grouping(self.mapping(top.get("response"), "response", ("grouping",))),
        )

    def grouping(self, response: dict) -> GroupingConfig:
        key = "response.grouping"
        section = self.mapping(response.get("grouping"), key, ("rules", "window_minutes", "fields"))
        fields = {name: tuple(n.lower() for n in self.names({name: names}, f"{key}.fields", name))
                  for name, names in self.mapping(section.get("fields"), f"{key}.fields", GROUPING_RULES).items()}
        return GroupingConfig(self.names(section, key, "rules", GROUPING_RULES) or None,
                              self.integer(section, key, "window_minutes", 120, 1, 7 * 24 * 60),
                              MappingProxyType(fields))

    def country(self, hub: dict) -> str | None:
        code = self.text(hub, "hub", "country")
        if code is None:
            return None
        if code.upper() == "EU":  # ISO 3166-1 exceptionally reserves EU: a cross-border hub of the Union
            return "EU"
        if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
            raise self.fail("hub.country", f"{code!r} is not an ISO 3166-1 alpha-2 country code (DE, FR, ...)")
        return code.upper()

    def tlp(self, hub: dict) -> str:
        level = self.text(hub, "hub", "default_tlp", "AMBER").upper().removeprefix("TLP:")
        if level not in LEVELS:
            raise self.fail("hub.default_tlp", f"{level!r} is not a TLP 2.0 level ({', '.join(LEVELS)})")
        return level

    def timezone(self, hub: dict) -> str:
        name = self.text(hub, "hub", "timezone", "UTC")
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail("hub.timezone", f"{name!r} is not an IANA time zone (Europe/Berlin, UTC, ...)") from None
        return name

    def taxii(self, section: dict) -> TaxiiConfig:
        named = self.mapping(section.get("collections"), "taxii.collections") or {DEFAULT_COLLECTION: {}}
        collections = []
        for name, spec in named.items():
            key = f"taxii.collections.{name}"
            spec = self.mapping(spec, key, ("id", "title", "description"))
            checked = {part: self.text(spec, key, part) for part in ("id", "title", "description")}
            try:  # the TAXII settings derive the stable id of a collection without one
                (collection,) = TaxiiSettings.from_config(
                    {"taxii": {"collections": {name: {k: v for k, v in checked.items() if v}}}}).collections.values()
            except ValueError:
                raise self.fail(f"{key}.id", f"{checked['id']!r} is not a UUID") from None
            collections.append(collection)
        limits = self.mapping(section.get("login_limits"), "taxii.login_limits", tuple(LoginLimits.__dataclass_fields__))
        default = LoginLimits()
        return TaxiiConfig(self.text(section, "taxii", "title", TaxiiConfig.title),
                           self.text(section, "taxii", "api_root", "api1").strip("/"),
                           self.integer(section, "taxii", "max_content_length", _TAXII_MAX, 1024, 1 << 34),
                           tuple(collections), self.text(section, "taxii", "cursor_secret", ""),
                           LoginLimits(*(self.integer(limits, "taxii.login_limits", name, int(getattr(default, name)), 1,
                                                      1_000_000) for name in LoginLimits.__dataclass_fields__)))

    def login(self, spec: dict, key: str, collections: frozenset[str], default_rights: tuple[str, ...] = ()) -> Login:
        rights = self.names(spec, key, "rights", RIGHTS) if "rights" in spec else default_rights
        return Login(self.text(spec, key, "secret"), frozenset(self.names(spec, key, "read", collections)),
                     frozenset(self.names(spec, key, "write", collections)), frozenset(rights))

    def peer(self, name: str, spec: object, collections: frozenset[str]) -> PeerConfig:
        key = f"peers.{name}"
        spec = self.mapping(spec, key, (*_LOGIN, "pull", "push", "username", "password", "password_env", "into"))
        into = self.text(spec, key, "into", DEFAULT_COLLECTION)
        return PeerConfig(name, self.login(spec, key, collections, ("exchange",)), self.names(spec, key, "pull"),
                          self.text(spec, key, "push"), self.text(spec, key, "username"),
                          self.text(spec, key, "password"), self.text(spec, key, "password_env"), into)

    def constituent(self, name: str, spec: object, collections: frozenset[str]) -> ConstituentConfig:
        key = f"constituents.{name}"
        spec = self.mapping(spec, key, (*_LOGIN, "sector", "entity_type", "sensitivity", "networks"))
        networks = self.names(spec, key, "networks")
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise self.fail(f"{key}.networks", str(exc)) from None
        return ConstituentConfig(name, self.login(spec, key, collections, ("ingest",)),
                                 self.text(spec, key, "sector", None, SECTORS),
                                 self.text(spec, key, "entity_type", None, ENTITY_TYPES),
                                 self.text(spec, key, "sensitivity", None, SENSITIVITIES), networks)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name
