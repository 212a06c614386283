"""TAXII accounts and collections from the hub configuration; secrets are stored only as salted PBKDF2 hashes.

Logins cost the same for unknown and known names (an unknown name is hashed against a decoy of the
accounts' iteration count), PBKDF2 runs in a small thread pool off the event loop, a verified
(name, secret) pair is remembered by digest so that a client's next requests cost a SHA-256, and failed
logins are limited per account name and per client address (:class:`LoginLimits`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import time
import uuid
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..intel import DEFAULT_COLLECTION

_ITERATIONS = 200_000
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


def hash_secret(secret: str, iterations: int = _ITERATIONS) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` of ``secret``, for the hub configuration."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def check_secret(secret: str, hashed: str) -> bool:
    """Whether ``secret`` matches ``hashed`` (constant-time); a malformed hash never matches."""
    try:
        scheme, iterations, salt, digest = hashed.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        computed = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iterations)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(computed, digest)


@dataclass(frozen=True)
class Collection:
    """A TAXII collection: its id (a UUID), title, and the store collection that holds its objects."""

    id: str
    name: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Account:
    """A peer's or constituent's login to this hub's TAXII server, with its rights per collection name."""

    name: str
    secret_hash: str
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed per account name and per client address within ``window`` seconds (then 429
    with Retry-After), PBKDF2 worker threads, and how many logins may wait for them at once."""

    account_failures: int = 10
    address_failures: int = 50
    window: float = 300.0
    hash_workers: int = 2
    in_flight: int = 64

    @classmethod
    def from_config(cls, spec: dict | None) -> LoginLimits:
        spec = spec or {}
        unknown = set(spec) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"taxii.login_limits: unknown keys {', '.join(sorted(unknown))}")
        return cls(**{k: type(getattr(cls, k))(v) for k, v in spec.items()})


@dataclass(frozen=True)
class TaxiiSettings:
    """The server's title, API root, size limit, collections, accounts, login limits and the secret that
    seals paging cursors (a random one per server when empty: cursors then end with the process)."""

    title: str = "cybershield TAXII 2.1"
    api_root: str = "api1"
    max_content_length: int = MAX_CONTENT_LENGTH
    collections: dict[str, Collection] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    cursor_secret: str = ""

    @classmethod
    def from_config(cls, config: dict) -> TaxiiSettings:
        """From the hub configuration's ``taxii`` section and the ``secret``/``read``/``write`` of each
        peer and constituent. Without collections there is one, ``hub``, with a stable UUID."""
        taxii = config.get("taxii") or {}
        named = taxii.get("collections") or {DEFAULT_COLLECTION: {}}
        collections = {}
        for name, spec in named.items():
            spec = spec or {}
            cid = str(uuid.UUID(str(spec.get("id") or uuid.uuid5(uuid.NAMESPACE_URL, f"cybershield/{name}"))))
            collections[cid] = Collection(cid, name, spec.get("title", name), spec.get("description", ""))
        names = {c.name for c in collections.values()}
        accounts = {}
        for section in ("peers", "constituents"):
            for name, spec in (config.get(section) or {}).items():
                spec = spec or {}
                if not spec.get("secret"):
                    continue
                rights = {right: frozenset(spec.get(right) or ()) for right in ("read", "write")}
                unknown = (rights["read"] | rights["write"]) - names
                if unknown:
                    raise ValueError(f"{section}.{name}: unknown collections {', '.join(sorted(unknown))}")
                accounts[name] = Account(name, spec["secret"], rights["read"], rights["write"])
        return cls(taxii.get("title", cls.title), str(taxii.get("api_root", cls.api_root)).strip("/"),
                   int(taxii.get("max_content_length", MAX_CONTENT_LENGTH)), collections, accounts,
                   LoginLimits.from_config(taxii.get("login_limits")), str(taxii.get("cursor_secret") or ""))


class LoginRefused(Exception):
    """Too many failed logins for this account name or address, or too many logins at once."""

    def __init__(self, reason: str, retry_after: int):
        super().__init__(reason)
        self.retry_after = retry_after


class _Failures:
    """Failed logins per key within a sliding window; the oldest keys go first beyond ``keys``."""

    def __init__(self, window: float, keys: int = 100_000):
        self.window, self.keys = window, keys
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.get(key) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def add(self, key: str, now: float) -> None:
        times = self._seen.pop(key, None) or deque()
        times.append(now)
        self._seen[key] = times
        while len(self._seen) > self.keys:
            self._seen.popitem(last=False)


def _iterations(hashed: str) -> int | None:
    parts = hashed.split("$")
    return int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else None


class Authenticator:
    """HTTP Basic credentials against the accounts; a verified (name, secret) pair is remembered by digest.

    :meth:`verify` runs in the caller's thread; :meth:`verify_async` (for the event loop) answers from the
    cache at once, applies the login limits, and hashes in a bounded pool.
    """

    def __init__(self, accounts: dict[str, Account], limits: LoginLimits | None = None):
        self.accounts = accounts
        self.limits = limits or LoginLimits()
        self._verified: set[bytes] = set()
        rounds = [n for n in (_iterations(a.secret_hash) for a in accounts.values()) if n]
        self._decoy = hash_secret(secrets.token_hex(16), max(rounds, default=_ITERATIONS))
        self._failures = _Failures(self.limits.window)
        self._pool: ThreadPoolExecutor | None = None
        self._waiting = 0

    def _key(self, name: str, secret: str, account: Account) -> bytes:
        return hashlib.sha256(f"{name}\0{secret}\0{account.secret_hash}".encode()).digest()

    def cached(self, name: str, secret: str) -> Account | None:
        """The account when this (name, secret) pair was verified before; no hashing."""
        account = self.accounts.get(name)
        return account if account is not None and self._key(name, secret, account) in self._verified else None

    def _check(self, name: str, secret: str) -> Account | None:
        """The full check, with the same PBKDF2 work whether or not ``name`` is an account."""
        account = self.accounts.get(name)
        if not check_secret(secret, account.secret_hash if account else self._decoy) or account is None:
            return None
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified.add(self._key(name, secret, account))
        return account

    def verify(self, name: str, secret: str) -> Account | None:
        return self.cached(name, secret) or self._check(name, secret)

    async def verify_async(self, name: str, secret: str, address: str = "") -> Account | None:
        """Like :meth:`verify` off the event loop; :class:`LoginRefused` while a limit is reached."""
        hit = self.cached(name, secret)
        if hit is not None:
            return hit
        now = time.monotonic()
        for key, allowed, what in ((f"account {name}", self.limits.account_failures, f"account {name!r}"),
                                   (f"address {address}", self.limits.address_failures, f"address {address}")):
            recent = self._failures.recent(key, now)
            if len(recent) >= allowed:
                wait = max(1, math.ceil(recent[0] + self.limits.window - now))
                raise LoginRefused(f"too many failed logins for {what}; retry in {wait} s", wait)
        if self._waiting >= self.limits.in_flight:
            raise LoginRefused("too many logins in progress; retry in 1 s", 1)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.limits.hash_workers, thread_name_prefix="taxii-login")
        self._waiting += 1
        try:
            account = await asyncio.wrap_future(self._pool.submit(self._check, name, secret))
        finally:
            self._waiting -= 1
        if account is None:
            now = time.monotonic()
            self._failures.add(f"account {name}", now)
            self._failures.add(f"address {address}", now)
        return account
