"""A hub's keys: generations of hybrid key pairs, their public bundle, and the key store that keeps them encrypted.

A *generation* holds one key pair of each algorithm (by default the Ed25519 + ML-DSA-65 signing pair and
the X25519 + ML-KEM-768 key-agreement pair) under one key id, the fingerprint of its public keys. A
rotation makes a new generation, *endorsed* (signed, both halves) by the current one, and gives the
current one an end of validity after an overlap period: peers accept both until then, and a peer that
has not yet seen the new bundle learns the new key from the endorsement an envelope carries.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from ..config import settings
from ..intel import stixtime
from .algorithms import AEAD, ALGORITHMS, DEFAULT_ALGORITHMS, KEMS, SIGNATURES, b64, canonical, sha256, unb64
from .identity import HubIdentity

log = logging.getLogger(__name__)

PASSPHRASE_ENV = "CYBERSHIELD_KEY_PASSPHRASE"
ENDORSEMENT_CONTEXT = b"cybershield-key-endorsement-v1"
DEFAULT_OVERLAP = timedelta(days=7)
BUNDLE_FORMAT = "cybershield-key-bundle/1"
PRIVATE_FORMAT = "cybershield-private-keys/1"
#: Argon2id, RFC 9106's second recommended setting (64 MiB, 3 passes, 4 lanes).
ARGON2 = {"name": "Argon2id", "iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}


class KeyStoreError(ValueError):
    """Keys that cannot be used as asked: none yet, already there, a wrong passphrase, a damaged file."""


def fingerprint(public_keys: Mapping[str, bytes]) -> str:
    """The key id of a generation: SHA-256 over its public keys by algorithm name, 160 bits in hex."""
    return sha256(canonical({name: b64(raw) for name, raw in public_keys.items()})).hex()[:40]


def parse_time(value: Any) -> datetime:
    return datetime.strptime(stixtime.normalise(value), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Endorsement:
    """The signatures of a previous generation (``key_id``) over a new generation's public keys and over the end
    of its own validity (``expires``): a peer that learns the new key from it also learns when the old one ends."""

    key_id: str
    expires: datetime
    signatures: Mapping[str, bytes]


@dataclass(frozen=True, eq=False)
class PublicKeys:
    """The public half of one generation of a hub's keys, with its validity (``expires`` None: no end yet)."""

    hub: str
    key_id: str
    created: datetime
    keys: Mapping[str, bytes]
    expires: datetime | None = None
    endorsement: Endorsement | None = None

    @cached_property
    def loaded(self) -> dict[str, Any]:
        """The keys as ``cryptography`` objects, by algorithm name (algorithms this hub does not know are left out)."""
        return {name: ALGORITHMS[name].load_public(raw) for name, raw in self.keys.items() if name in ALGORITHMS}

    def valid_at(self, moment: datetime) -> bool:
        return self.expires is None or moment <= self.expires

    def verify(self, signatures: Mapping[str, bytes], algorithms: Iterable[str], data: bytes, context: bytes) -> str | None:
        """None when each of ``algorithms`` has a signature over ``data`` that verifies, else what is wrong."""
        for name in algorithms:
            if name not in signatures:
                return f"{name} signature missing"
            key = self.loaded.get(name)
            if key is None or name not in SIGNATURES:
                return f"key {self.key_id} has no {name} signing key"
            if not SIGNATURES[name].verify(key, signatures[name], data, context):
                return f"{name} signature invalid"
        return None

    def endorsement_message(self, endorser: str, endorser_expires: datetime) -> bytes:
        return canonical({"hub": self.hub, "key_id": self.key_id, "created": stixtime.format_time(self.created),
                          "public_keys": {name: b64(raw) for name, raw in self.keys.items()},
                          "endorsed_by": {"key_id": endorser, "expires": stixtime.format_time(endorser_expires)}})

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "key_id": self.key_id, "created": stixtime.format_time(self.created),
            "expires": stixtime.format_time(self.expires) if self.expires else None,
            "public_keys": {name: b64(raw) for name, raw in self.keys.items()}}
        if self.endorsement:
            document["endorsed_by"] = {"key_id": self.endorsement.key_id,
                                       "expires": stixtime.format_time(self.endorsement.expires),
                                       "signatures": {n: b64(s) for n, s in self.endorsement.signatures.items()}}
        return document

    @classmethod
    def from_json(cls, hub: str, document: Any) -> PublicKeys:
        """A generation as ``to_json`` writes it; ValueError for a wrong shape, a bad key or a key id that is not its fingerprint."""
        if not isinstance(document, dict) or not isinstance(document.get("public_keys"), dict):
            raise ValueError("a key entry is an object with public_keys")
        keys = {name: unb64(raw) for name, raw in document["public_keys"].items()}
        key_id = document.get("key_id")
        if key_id != fingerprint(keys):
            raise ValueError(f"key id {key_id!r} is not the fingerprint of its public keys")
        endorsement = None
        if (endorsed := document.get("endorsed_by")) is not None:
            if not isinstance(endorsed, dict) or not isinstance(endorsed.get("key_id"), str) \
                    or not isinstance(endorsed.get("signatures"), dict):
                raise ValueError("endorsed_by is an object with key_id, expires and signatures")
            endorsement = Endorsement(endorsed["key_id"], parse_time(endorsed.get("expires")),
                                      {n: unb64(s) for n, s in endorsed["signatures"].items()})
        expires = document.get("expires")
        public = cls(hub, key_id, parse_time(document.get("created")), keys,
                     parse_time(expires) if expires is not None else None, endorsement)
        try:
            public.loaded  # noqa: B018 - loading is the check that each key has the right length and form
        except ValueError as error:
            raise ValueError(f"key {key_id}: {error}") from None
        return public


@dataclass(frozen=True, eq=False)
class PrivateKeys:
    """One generation of a hub's key pairs: ``cryptography`` private keys by algorithm name, and its public half."""

    public: PublicKeys
    keys: Mapping[str, Any]

    @property
    def key_id(self) -> str:
        return self.public.key_id

    @classmethod
    def generate(cls, hub: str, algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
                 endorse_with: PrivateKeys | None = None, endorser_expires: datetime | None = None,
                 now: datetime | None = None) -> PrivateKeys:
        """A new generation; ``endorse_with`` (the current one, valid until ``endorser_expires``) endorses it."""
        private = {name: ALGORITHMS[name].generate() for name in algorithms}
        raw = {name: key.public_key().public_bytes_raw() for name, key in private.items()}
        public = PublicKeys(hub, fingerprint(raw), now or datetime.now(UTC), raw)
        if endorse_with is not None:
            expires = endorser_expires or public.created
            message = public.endorsement_message(endorse_with.key_id, expires)
            endorsement = Endorsement(endorse_with.key_id, expires, endorse_with.sign(message, ENDORSEMENT_CONTEXT))
            public = replace(public, endorsement=endorsement)
        return cls(public, private)

    @property
    def signature_algorithms(self) -> tuple[str, ...]:
        return tuple(name for name in self.keys if name in SIGNATURES)

    @property
    def kem_algorithms(self) -> tuple[str, ...]:
        return tuple(name for name in self.keys if name in KEMS)

    def sign(self, data: bytes, context: bytes) -> dict[str, bytes]:
        """A signature of each signing algorithm of this generation."""
        return {name: SIGNATURES[name].sign(self.keys[name], data, context) for name in self.signature_algorithms}

    def decapsulate(self, name: str, ciphertext: bytes) -> bytes:
        return KEMS[name].decapsulate(self.keys[name], ciphertext)

    def encrypt(self, passphrase: str) -> bytes:
        """The private keys as a file: Argon2id(passphrase) -> AES-256-GCM over the raw keys (seeds for ML-DSA/ML-KEM)."""
        header = {"format": PRIVATE_FORMAT, "hub": self.public.hub, "key_id": self.key_id,
                  "kdf": {**ARGON2, "salt": b64(os.urandom(16))}, "aead": AEAD, "nonce": b64(os.urandom(12))}
        secret = canonical({name: b64(key.private_bytes_raw()) for name, key in self.keys.items()})
        ciphertext = AESGCM(_derive(passphrase, header["kdf"])).encrypt(unb64(header["nonce"]), secret, canonical(header))
        return orjson.dumps({**header, "ciphertext": b64(ciphertext)}, option=orjson.OPT_INDENT_2)

    @classmethod
    def decrypt(cls, data: bytes, passphrase: str, public: PublicKeys, where: str) -> PrivateKeys:
        try:
            document = orjson.loads(data)
            header = {k: v for k, v in document.items() if k != "ciphertext"}
            if document.get("format") != PRIVATE_FORMAT or document.get("key_id") != public.key_id:
                raise ValueError(f"not the private keys of {public.key_id}")
            key = _derive(passphrase, header["kdf"])
            secret = AESGCM(key).decrypt(unb64(header["nonce"]), unb64(document["ciphertext"]), canonical(header))
        except InvalidTag:
            raise KeyStoreError(f"{where}: wrong passphrase (or a damaged file); the passphrase comes from "
                                f"{PASSPHRASE_ENV}, else the passphrase file beside the keys") from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyStoreError(f"{where}: not a private key file ({error})") from None
        raw = orjson.loads(secret)
        private = {name: ALGORITHMS[name].load_private(unb64(raw[name])) for name in public.keys if name in raw}
        if any(key.public_key().public_bytes_raw() != public.keys.get(name) for name, key in private.items()):
            raise KeyStoreError(f"{where}: its keys are not those of the public key {public.key_id}")
        return cls(public, private)


def _derive(passphrase: str, kdf: Mapping[str, Any]) -> bytes:
    if kdf.get("name") != "Argon2id" or not 1 <= kdf.get("memory_cost", 0) <= 4 * 1024 * 1024:
        raise ValueError(f"unsupported key derivation {dict(kdf)}")
    return Argon2id(salt=unb64(kdf["salt"]), length=32, iterations=kdf["iterations"], lanes=kdf["lanes"],
                    memory_cost=kdf["memory_cost"]).derive(passphrase.encode())


@dataclass(frozen=True)
class KeyBundle:
    """A hub's public identity and keys: what its peers need (one entry of a network file)."""

    identity: HubIdentity
    keys: tuple[PublicKeys, ...]

    @property
    def hub(self) -> str:
        return self.identity.name

    def to_json(self) -> dict[str, Any]:
        return {"format": BUNDLE_FORMAT, "identity": self.identity.stix(), "keys": [k.to_json() for k in self.keys]}

    @classmethod
    def from_json(cls, document: Any) -> KeyBundle:
        """A bundle as ``to_json`` writes it; ValueError saying what is wrong otherwise."""
        if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"not a public key bundle (format {BUNDLE_FORMAT})")
        identity = HubIdentity.from_stix(document.get("identity"))
        if not isinstance(document.get("keys"), list) or not document["keys"]:
            raise ValueError(f"bundle of {identity.name}: keys must be a non-empty list")
        return cls(identity, tuple(PublicKeys.from_json(identity.name, k) for k in document["keys"]))


@dataclass(frozen=True)
class HubKeys:
    """A hub's identity and its key generations, oldest first; the newest signs and is what peers encrypt to."""

    identity: HubIdentity
    generations: tuple[PrivateKeys, ...]
    _by_id: dict[str, PrivateKeys] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {g.key_id: g for g in self.generations})

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def current(self) -> PrivateKeys:
        return self.generations[-1]

    def generation(self, key_id: str) -> PrivateKeys | None:
        return self._by_id.get(key_id)

    def bundle(self) -> KeyBundle:
        return KeyBundle(self.identity, tuple(g.public for g in self.generations))


class KeyStore:
    """A hub's keys in one folder (default ``var/keys``):

    - ``public.json``: the public bundle (STIX identity, every generation with its validity), mode 0644;
    - ``private/<key id>.json``: each generation's private keys, encrypted (Argon2id + AES-256-GCM), mode 0600;
    - ``passphrase``: mode 0600, only when ``CYBERSHIELD_KEY_PASSPHRASE`` was unset at ``init``.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.public_path = self.directory / "public.json"
        self.private_dir = self.directory / "private"
        self.passphrase_path = self.directory / "passphrase"

    def exists(self) -> bool:
        return self.public_path.is_file()

    def bundle(self) -> KeyBundle:
        """The public bundle (no passphrase needed)."""
        if not self.exists():
            raise KeyStoreError(f"no hub keys in {self.directory} (cybershield hub keys init)")
        try:
            return KeyBundle.from_json(orjson.loads(self.public_path.read_bytes()))
        except ValueError as error:
            raise KeyStoreError(f"{self.public_path}: {error}") from None

    def init(self, identity: HubIdentity, passphrase: str | None = None) -> HubKeys:
        if self.exists():
            raise KeyStoreError(f"hub keys already exist in {self.directory}; `cybershield hub keys rotate` makes new ones")
        passphrase = passphrase or self.passphrase(create=True)
        keys = HubKeys(identity, (PrivateKeys.generate(identity.name),))
        self._write(keys, passphrase, keys.current)
        return keys

    def load(self, passphrase: str | None = None) -> HubKeys:
        """Every generation with its private keys; KeyStoreError for a wrong passphrase or a damaged file."""
        bundle = self.bundle()
        passphrase = passphrase or self.passphrase()
        generations = []
        for public in bundle.keys:
            path = self.private_dir / f"{public.key_id}.json"
            if not path.is_file():
                raise KeyStoreError(f"{path}: missing (the private keys of {public.key_id})")
            generations.append(PrivateKeys.decrypt(path.read_bytes(), passphrase, public, str(path)))
        return HubKeys(bundle.identity, tuple(generations))

    def rotate(self, overlap: timedelta = DEFAULT_OVERLAP, passphrase: str | None = None,
               now: datetime | None = None) -> HubKeys:
        """A new generation, endorsed by the current one; the older ones stay valid ``overlap`` longer, no more."""
        if overlap < timedelta(0):
            raise KeyStoreError("the overlap of a rotation cannot be negative")
        passphrase = passphrase or self.passphrase()
        keys = self.load(passphrase)
        now = now or datetime.now(UTC)
        end = now + overlap
        older = tuple(replace(g, public=replace(g.public, expires=min(g.public.expires or end, end)))
                      for g in keys.generations)
        new = PrivateKeys.generate(keys.name, keys.current.keys, endorse_with=keys.current, endorser_expires=end, now=now)
        rotated = HubKeys(keys.identity, (*older, new))
        self._write(rotated, passphrase, new)
        log.info("hub %s: new key %s; the previous keys stay valid until %s", keys.name, new.key_id, end.isoformat())
        return rotated

    def passphrase(self, create: bool = False) -> str:
        """``CYBERSHIELD_KEY_PASSPHRASE``, else the passphrase file; ``create`` makes that file when neither exists."""
        if settings().key_passphrase:
            return settings().key_passphrase
        if self.passphrase_path.is_file():
            return self.passphrase_path.read_text().strip()
        if not create:
            raise KeyStoreError(f"no passphrase for the keys in {self.directory}: set {PASSPHRASE_ENV}")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        passphrase = secrets.token_urlsafe(32)
        write_atomically(self.passphrase_path, passphrase.encode() + b"\n", 0o600)
        log.warning("%s is not set: the private keys are encrypted with a generated passphrase kept in %s (mode 0600); "
                    "store it apart from the keys or set %s", PASSPHRASE_ENV, self.passphrase_path, PASSPHRASE_ENV)
        return passphrase

    def _write(self, keys: HubKeys, passphrase: str, new: PrivateKeys) -> None:
        self.private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(self.private_dir / f"{new.key_id}.json", new.encrypt(passphrase), 0o600)
        write_atomically(self.public_path, orjson.dumps(keys.bundle().to_json(), option=orjson.OPT_INDENT_2), 0o644)


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically, the file created with ``mode`` (never wider, whatever the umask)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
