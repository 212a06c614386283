"""TAXII accounts and collections from the hub configuration; secrets are stored only as salted PBKDF2 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
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
class TaxiiSettings:
    """The server's title, API root, size limit, collections and accounts."""

    title: str = "cybershield TAXII 2.1"
    api_root: str = "api1"
    max_content_length: int = MAX_CONTENT_LENGTH
    collections: dict[str, Collection] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

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
                   int(taxii.get("max_content_length", MAX_CONTENT_LENGTH)), collections, accounts)


class Authenticator:
    """HTTP Basic credentials against the accounts; a verified (name, secret) pair is remembered by digest."""

    def __init__(self, accounts: dict[str, Account]):
        self.accounts = accounts
        self._verified: set[bytes] = set()

    def verify(self, name: str, secret: str) -> Account | None:
        account = self.accounts.get(name)
        if account is None:
            return None
        key = hashlib.sha256(f"{name}\0{secret}\0{account.secret_hash}".encode()).digest()
        if key in self._verified:
            return account
        if not check_secret(secret, account.secret_hash):
            return None
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified.add(key)
        return account
