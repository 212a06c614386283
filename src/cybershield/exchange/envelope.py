"""Envelopes: what travels between hubs, signed with both halves of a hybrid signature and, from TLP:AMBER up,
encrypted to each recipient.

An envelope is one JSON object. Its *header* is every member but ``payload``, ``ciphertext``, ``signatures`` and
``key_update``; the signatures (Ed25519 and ML-DSA-65 by default, each over the canonical encoding of the
header) cover the SHA-256 ``digest`` of the payload (or of the ciphertext), so that a changed payload is told
apart from a bad signature. Encryption: a random AES-256-GCM content key encrypts the payload; for each
recipient, X25519 and ML-KEM-768 encapsulations to its newest key give two shared secrets, HKDF-SHA256 over
both (and a hash of the transcript: envelope id, sender, recipient, its key id, both ciphertexts) gives the
key that wraps the content key (AES-256-GCM).

``EnvelopeReceiver.open`` checks, cheapest first, and rejects with a ``Rejection`` reason, logged and counted.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..intel import LEVELS, stixtime, tlp_of
from .algorithms import (
    AEAD,
    DEFAULT_KEMS,
    DEFAULT_SIGNATURES,
    DIGEST,
    KDF,
    KEMS,
    SIGNATURES,
    b64,
    canonical,
    sha256,
    unb64,
)
from .keyring import Keyring
from .keys import HubKeys, PublicKeys, parse_time
from .replay import MemoryReplayStore, ReplayStore

log = logging.getLogger(__name__)

FORMAT = "cybershield-envelope/1"
MEDIA_TYPE = "application/vnd.cybershield.envelope+json"
STIX_CONTENT = "application/stix+json;version=2.1"
JSON_CONTENT = "application/json"
SIGNATURE_CONTEXT = b"cybershield-envelope-v1"
KEY_WRAP_INFO = b"cybershield-envelope-v1 key wrap "
#: Objects per envelope that ``seal_objects`` puts in one signed batch.
DEFAULT_BATCH = 1000
_BODY = ("payload", "ciphertext", "signatures", "key_update")
_MARKING_ID = re.compile(rb"marking-definition--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Rejection(StrEnum):
    """Why a receiver refused an envelope: stable codes for logs, counters and API answers."""

    OVERSIZE = "oversize"                  # larger than the policy's max_bytes (checked before parsing)
    MALFORMED = "malformed"                # not JSON, a missing member, a wrong type, bad base64
    UNSUPPORTED = "unsupported-algorithm"  # an algorithm this hub does not implement
    DOWNGRADE = "downgrade"                # fewer algorithms than the policy asks, or AMBER+ sent in clear
    UNKNOWN_SENDER = "unknown-sender"      # the sender is not in the keyring
    NOT_A_RECIPIENT = "not-a-recipient"    # this hub is not among the recipients (or no key is wrapped for it)
    STALE = "stale"                        # created longer ago than the allowed skew
    FUTURE = "future"                      # created further ahead than the allowed skew
    UNKNOWN_KEY = "unknown-key"            # the sender's key id is not known (and no endorsed key update)
    EXPIRED_KEY = "expired-key"            # the sender's key was no longer valid when the envelope was created
    BAD_SIGNATURE = "bad-signature"        # a signature half missing or invalid (the detail says which)
    TAMPERED = "tampered"                  # the payload (or ciphertext) does not match the signed digest
    REPLAYED = "replayed"                  # this nonce of this sender was already accepted
    UNDECRYPTABLE = "undecryptable"        # signed correctly, but the content key cannot be unwrapped


class EnvelopeRejected(Exception):
    """An envelope a receiver refused: ``reason`` (a ``Rejection``) and a ``detail`` for people."""

    def __init__(self, reason: Rejection, detail: str, envelope_id: str | None = None, sender: str | None = None) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.envelope_id = envelope_id
        self.sender = sender


@dataclass(frozen=True)
class EnvelopePolicy:
    """What a hub asks of envelopes (and uses when it seals them)."""

    signatures: tuple[str, ...] = DEFAULT_SIGNATURES
    kems: tuple[str, ...] = DEFAULT_KEMS
    max_bytes: int = 16 * 1024 * 1024
    skew: timedelta = timedelta(minutes=5)
    encrypt_from: str = "AMBER"

    def must_encrypt(self, tlp: str | None) -> bool:
        return tlp is not None and LEVELS.index(tlp) >= LEVELS.index(self.encrypt_from)


@dataclass(frozen=True)
class OpenedEnvelope:
    """An accepted envelope: who sent it, to whom, when, under which key, and its (decrypted) payload."""

    id: str
    sender: str
    recipients: tuple[str, ...]
    created: datetime
    tlp: str | None
    content_type: str
    encrypted: bool
    key_id: str
    payload: Any

    @property
    def objects(self) -> list[dict]:
        """The STIX objects of a bundle payload (else empty)."""
        if isinstance(self.payload, dict) and self.payload.get("type") == "bundle":
            return [o for o in self.payload.get("objects") or () if isinstance(o, dict)]
        return []


def stix_bundle(objects: Iterable[dict]) -> dict:
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}


def payload_tlp(payload: Any) -> str | None:
    """The most restrictive TLP of a payload's STIX objects (a bundle, a list of objects or one object)."""
    if isinstance(payload, dict):
        objects = payload.get("objects") if payload.get("type") == "bundle" else [payload]
    else:
        objects = payload if isinstance(payload, list) else []
    try:
        marked = {tlp_of(o) for o in objects if isinstance(o, dict)} - {None} if isinstance(objects, list) else set()
    except TypeError as error:
        raise ValueError(f"bad markings in the payload: {error}") from None
    return max(marked, key=LEVELS.index) if marked else None


def _mentioned_tlp(body: bytes) -> str | None:
    """The strictest TLP among the marking definitions a canonical payload mentions anywhere: a quick upper bound
    of ``payload_tlp`` (a regular expression over the bytes instead of a walk over the objects)."""
    return payload_tlp([{"object_marking_refs": [ref.decode()]} for ref in set(_MARKING_ID.findall(body))])


class EnvelopeSealer:
    """Seals payloads from this hub (its current key) to recipients (their newest keys in the keyring)."""

    def __init__(self, keys: HubKeys, keyring: Keyring, policy: EnvelopePolicy | None = None) -> None:
        self.keys = keys
        self.keyring = keyring
        self.policy = policy or EnvelopePolicy()

    def seal(self, payload: Any, recipients: Sequence[str], *, tlp: str | None = None, envelope_id: str | None = None,
             now: datetime | None = None) -> bytes:
        """The envelope (JSON bytes). ``tlp`` defaults to the payload's strictest marking; ``envelope_id`` lets an
        outbox seal the same message again (fresh time and nonce) under the same id. ValueError for a payload
        that is no JSON, an unknown TLP, no recipients or a recipient without a valid key."""
        now = now or datetime.now(UTC)
        tlp = payload_tlp(payload) if tlp is None else tlp
        if tlp is not None and tlp not in LEVELS:
            raise ValueError(f"unknown TLP level {tlp!r} (one of {', '.join(LEVELS)})")
        recipients = list(dict.fromkeys(recipients))
        if not recipients:
            raise ValueError("an envelope needs at least one recipient")
        try:
            body = canonical(payload)
        except TypeError as error:
            raise ValueError(f"the payload is not JSON: {error}") from None
        current = self.keys.current
        is_bundle = isinstance(payload, dict) and payload.get("type") == "bundle"
        header: dict[str, Any] = {
            "format": FORMAT, "id": envelope_id or f"envelope--{uuid.uuid4()}", "sender": self.keys.name,
            "recipients": recipients, "created": stixtime.format_time(now), "nonce": b64(os.urandom(16)), "tlp": tlp,
            "content_type": STIX_CONTENT if is_bundle else JSON_CONTENT, "key_id": current.key_id,
            "algorithms": {"signature": list(current.signature_algorithms), "digest": DIGEST}}
        if self.policy.must_encrypt(tlp):
            header["algorithms"].update(kem=list(self.policy.kems), kdf=KDF, aead=AEAD)
            content_key, iv = AESGCM.generate_key(256), os.urandom(12)
            body = AESGCM(content_key).encrypt(iv, body, header["id"].encode())
            header["encryption"] = {"iv": b64(iv),
                                    "recipients": [self._wrap(content_key, header, hub, now) for hub in recipients]}
            content = {"ciphertext": b64(body)}
        else:
            content = {"payload": orjson.Fragment(body)}
        header["digest"] = b64(sha256(body))
        signatures = current.sign(canonical(header), SIGNATURE_CONTEXT)
        envelope = {**header, **content, "signatures": {name: b64(s) for name, s in signatures.items()}}
        if current.public.endorsement and any(g.public.valid_at(now) for g in self.keys.generations[:-1]):
            envelope["key_update"] = current.public.to_json()
        return orjson.dumps(envelope)

    def seal_objects(self, objects: Sequence[dict], recipients: Sequence[str], batch_size: int = DEFAULT_BATCH,
                     **options: Any) -> list[bytes]:
        """Signed batches: one envelope (a STIX bundle) per ``batch_size`` objects."""
        return [self.seal(stix_bundle(objects[i:i + batch_size]), recipients, **options)
                for i in range(0, len(objects), batch_size)]

    def _wrap(self, content_key: bytes, header: dict, hub: str, now: datetime) -> dict:
        try:
            public = self.keyring.encryption_key(hub, now)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        missing = [name for name in self.policy.kems if name not in public.loaded]
        if missing:
            raise ValueError(f"key {public.key_id} of {hub} has no {', '.join(missing)} key")
        shared, encapsulations = [], {}
        for name in self.policy.kems:
            secret, ciphertext = KEMS[name].encapsulate(public.loaded[name])
            shared.append(secret)
            encapsulations[name] = b64(ciphertext)
        entry = {"hub": hub, "key_id": public.key_id, "encapsulations": encapsulations}
        nonce = os.urandom(12)
        wrapped = AESGCM(_key_wrapping_key(shared, header, entry)).encrypt(nonce, content_key, None)
        return {**entry, "wrapped_key": b64(nonce + wrapped)}


def _key_wrapping_key(shared: list[bytes], header: dict, entry: dict) -> bytes:
    transcript = sha256(canonical({"id": header["id"], "sender": header["sender"], "created": header["created"],
                                   "hub": entry["hub"], "key_id": entry["key_id"],
                                   "encapsulations": entry["encapsulations"]}))
    return HKDF(SHA256(), 32, salt=None, info=KEY_WRAP_INFO + transcript).derive(b"".join(shared))


class EnvelopeReceiver:
    """Opens envelopes addressed to this hub: verifies, checks freshness and replay, decrypts.

    ``open`` returns an ``OpenedEnvelope`` or raises ``EnvelopeRejected``; every rejection is logged (warning, logger
    ``cybershield.exchange.envelope``) and counted in ``rejected`` (by reason), every acceptance in ``accepted``.
    A sender's endorsed new key (``key_update``) joins the keyring once an envelope signed with it is accepted.
    """

    def __init__(self, keys: HubKeys, keyring: Keyring, replay: ReplayStore | None = None,
                 policy: EnvelopePolicy | None = None) -> None:
        self.keys = keys
        self.keyring = keyring
        self.replay = replay if replay is not None else MemoryReplayStore()
        self.policy = policy or EnvelopePolicy()
        self.accepted = 0
        self.rejected: Counter[str] = Counter()

    def counts(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "rejected": dict(self.rejected)}

    def open(self, data: bytes, now: datetime | None = None) -> OpenedEnvelope:
        try:
            opened = _Opening(self, data, now or datetime.now(UTC)).run()
        except EnvelopeRejected as rejection:
            self.rejected[rejection.reason.value] += 1
            log.warning("envelope rejected, %s: %s (sender %s, envelope %s)", rejection.reason.value, rejection.detail,
                        rejection.sender or "?", rejection.envelope_id or "?")
            raise
        self.accepted += 1
        return opened


class _Opening:
    """One envelope on its way through the checks of ``EnvelopeReceiver.open``."""

    def __init__(self, receiver: EnvelopeReceiver, data: bytes, now: datetime) -> None:
        self.receiver, self.data, self.now = receiver, data, now
        self.policy = receiver.policy
        self.doc: dict[str, Any] = {}

    def reject(self, reason: Rejection, detail: str) -> EnvelopeRejected:
        envelope_id, sender = self.doc.get("id"), self.doc.get("sender")
        return EnvelopeRejected(reason, detail, envelope_id if isinstance(envelope_id, str) else None,
                                sender if isinstance(sender, str) else None)

    def need(self, container: dict, key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
        value = container.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self.reject(Rejection.MALFORMED, f"{where}{key} is missing or not a {getattr(kind, '__name__', kind)}")
        return value

    def names(self, algorithms: dict, key: str) -> list[str]:
        names = self.need(algorithms, key, list, "algorithms.")
        if not all(isinstance(name, str) for name in names):
            raise self.reject(Rejection.MALFORMED, f"algorithms.{key} must be a list of names")
        return names

    def decode(self, text: Any, what: str) -> bytes:
        try:
            return unb64(text)
        except ValueError as error:
            raise self.reject(Rejection.MALFORMED, f"{what}: {error}") from None

    def run(self) -> OpenedEnvelope:
        if len(self.data) > self.policy.max_bytes:
            raise self.reject(Rejection.OVERSIZE, f"{len(self.data):,} bytes; the limit is {self.policy.max_bytes:,}")
        try:
            doc = orjson.loads(self.data)
        except orjson.JSONDecodeError as error:
            raise self.reject(Rejection.MALFORMED, f"not JSON: {error}") from None
        if not isinstance(doc, dict):
            raise self.reject(Rejection.MALFORMED, "an envelope is a JSON object")
        self.doc = doc
        if doc.get("format") != FORMAT:
            raise self.reject(Rejection.MALFORMED, f"format is not {FORMAT}")
        header = {k: v for k, v in doc.items() if k not in _BODY}
        envelope_id = self.need(doc, "id", str)
        sender, key_id = self.need(doc, "sender", str), self.need(doc, "key_id", str)
        recipients = self.need(doc, "recipients", list)
        if not recipients or not all(isinstance(r, str) for r in recipients):
            raise self.reject(Rejection.MALFORMED, "recipients must be a non-empty list of hub names")
        tlp = doc.get("tlp")
        if tlp is not None and tlp not in LEVELS:
            raise self.reject(Rejection.MALFORMED, f"tlp {tlp!r} is not a TLP level")
        encrypted = "ciphertext" in doc
        if encrypted == ("payload" in doc):
            raise self.reject(Rejection.MALFORMED, "an envelope has either a payload or a ciphertext")
        content_type, digest = self.need(doc, "content_type", str), self.need(doc, "digest", str)
        nonce = self.need(doc, "nonce", str)
        if len(self.decode(nonce, "nonce")) < 16:
            raise self.reject(Rejection.MALFORMED, "nonce: fewer than 16 bytes")
        self.check_algorithms(self.need(doc, "algorithms", dict), encrypted, tlp)
        if sender not in self.receiver.keyring:
            raise self.reject(Rejection.UNKNOWN_SENDER, f"{sender!r} is not in the keyring")
        me = self.receiver.keys.name
        if me not in recipients:
            raise self.reject(Rejection.NOT_A_RECIPIENT, f"{me} is not among {', '.join(recipients)}")
        created = self.check_time()
        public, key_update = self.sender_key(sender, key_id, created)
        signatures = {name: self.decode(s, f"signature {name}") for name, s in self.need(doc, "signatures", dict).items()}
        problem = public.verify(signatures, doc["algorithms"]["signature"], canonical(header), SIGNATURE_CONTEXT)
        if problem:
            raise self.reject(Rejection.BAD_SIGNATURE, problem)
        if encrypted:
            body = self.decode(self.need(doc, "ciphertext", str), "ciphertext")
        else:
            try:
                body = canonical(doc["payload"])
            except TypeError as error:  # pragma: no cover - anything orjson parsed it can encode
                raise self.reject(Rejection.MALFORMED, f"payload: {error}") from None
        if sha256(body) != self.decode(digest, "digest"):
            raise self.reject(Rejection.TAMPERED, f"the {'ciphertext' if encrypted else 'payload'} does not match its signed digest")
        if not self.receiver.replay.remember(sender, nonce, created + self.policy.skew):
            raise self.reject(Rejection.REPLAYED, f"nonce {nonce} of {sender} was already accepted")
        if key_update:
            self.receiver.keyring.add_key(public)
            log.info("hub %s: new key %s (endorsed by %s) added to the keyring", sender, public.key_id,
                     public.endorsement.key_id if public.endorsement else "?")
        payload = self.decrypt(body) if encrypted else doc["payload"]
        if not encrypted and self.policy.must_encrypt(_mentioned_tlp(body)):
            try:
                level = payload_tlp(payload)
            except ValueError as error:
                raise self.reject(Rejection.MALFORMED, str(error)) from None
            if self.policy.must_encrypt(level):
                raise self.reject(Rejection.DOWNGRADE, f"TLP:{level} objects sent unencrypted")
        return OpenedEnvelope(envelope_id, sender, tuple(recipients), created, tlp, content_type, encrypted, key_id,
                              payload)

    def check_algorithms(self, algorithms: dict, encrypted: bool, tlp: str | None) -> None:
        signature = self.names(algorithms, "signature")
        unknown = [a for a in signature if a not in SIGNATURES]
        if unknown or algorithms.get("digest") != DIGEST:
            raise self.reject(Rejection.UNSUPPORTED, f"signature {unknown or signature}, digest {algorithms.get('digest')!r}")
        missing = [a for a in self.policy.signatures if a not in signature]
        if missing:
            raise self.reject(Rejection.DOWNGRADE, f"signed without {', '.join(missing)} (the policy asks for "
                                                   f"{' + '.join(self.policy.signatures)})")
        if not encrypted:
            if self.policy.must_encrypt(tlp):
                raise self.reject(Rejection.DOWNGRADE, f"TLP:{tlp} sent unencrypted")
            return
        kem = self.names(algorithms, "kem")
        unknown = [a for a in kem if a not in KEMS]
        if unknown or algorithms.get("kdf") != KDF or algorithms.get("aead") != AEAD:
            raise self.reject(Rejection.UNSUPPORTED, f"kem {unknown or kem}, kdf {algorithms.get('kdf')!r}, "
                                                     f"aead {algorithms.get('aead')!r}")
        missing = [a for a in self.policy.kems if a not in kem]
        if missing:
            raise self.reject(Rejection.DOWNGRADE, f"encrypted without {', '.join(missing)} (the policy asks for "
                                                   f"{' + '.join(self.policy.kems)})")

    def check_time(self) -> datetime:
        try:
            created = parse_time(self.doc.get("created"))
        except ValueError as error:
            raise self.reject(Rejection.MALFORMED, f"created: {error}") from None
        if created < self.now - self.policy.skew:
            raise self.reject(Rejection.STALE, f"created {self.doc['created']}, more than {self.policy.skew} ago")
        if created > self.now + self.policy.skew:
            raise self.reject(Rejection.FUTURE, f"created {self.doc['created']}, more than {self.policy.skew} ahead")
        return created

    def sender_key(self, sender: str, key_id: str, created: datetime) -> tuple[PublicKeys, bool]:
        """The sender's public key of ``key_id``, from the keyring or from an endorsed ``key_update``."""
        keyring = self.receiver.keyring
        public = keyring.key(sender, key_id)
        update = self.doc.get("key_update")
        if public is None and update is not None:
            try:
                candidate = PublicKeys.from_json(sender, update)
            except ValueError as error:
                raise self.reject(Rejection.MALFORMED, f"key_update: {error}") from None
            if candidate.key_id == key_id:
                problem = keyring.check_endorsement(candidate, self.policy.signatures, created)
                if problem:
                    raise self.reject(Rejection.BAD_SIGNATURE, problem)
                return candidate, True
        if public is None:
            raise self.reject(Rejection.UNKNOWN_KEY, f"key {key_id} of {sender} is not in the keyring")
        if not public.valid_at(created):
            raise self.reject(Rejection.EXPIRED_KEY, f"key {key_id} of {sender} expired {public.expires}")
        return public, False

    def decrypt(self, ciphertext: bytes) -> Any:
        me = self.receiver.keys.name
        encryption = self.need(self.doc, "encryption", dict)
        entries = [e for e in self.need(encryption, "recipients", list, "encryption.")
                   if isinstance(e, dict) and e.get("hub") == me]
        if not entries:
            raise self.reject(Rejection.NOT_A_RECIPIENT, f"no content key is wrapped for {me}")
        entry = entries[0]
        generation = self.receiver.keys.generation(self.need(entry, "key_id", str, "encryption.recipients[]."))
        if generation is None:
            raise self.reject(Rejection.UNDECRYPTABLE, f"encrypted to key {entry['key_id']}, which {me} does not hold")
        encapsulations = self.need(entry, "encapsulations", dict, "encryption.recipients[].")
        wrapped = self.decode(entry.get("wrapped_key"), "wrapped_key")
        iv = self.decode(encryption.get("iv"), "encryption.iv")
        try:
            shared = [generation.decapsulate(name, self.decode(encapsulations.get(name), f"encapsulation {name}"))
                      for name in self.doc["algorithms"]["kem"]]
            key = AESGCM(_key_wrapping_key(shared, self.doc, entry)).decrypt(wrapped[:12], wrapped[12:], None)
            plain = AESGCM(key).decrypt(iv, ciphertext, self.doc["id"].encode())
        except (InvalidTag, ValueError, KeyError, AttributeError) as error:
            raise self.reject(Rejection.UNDECRYPTABLE, f"cannot unwrap the content key: {type(error).__name__} {error}") from None
        try:
            return orjson.loads(plain)
        except orjson.JSONDecodeError as error:
            raise self.reject(Rejection.MALFORMED, f"decrypted payload is not JSON: {error}") from None
