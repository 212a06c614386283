"""The public keys of peer hubs, by hub name: every key generation with its validity, kept across rotations."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .identity import HubIdentity
from .keys import ENDORSEMENT_CONTEXT, KeyBundle, PublicKeys, write_atomically

KEYRING_FORMAT = "cybershield-keyring/1"


class Keyring:
    """Peers' identities and public keys. ``add`` merges a peer's bundle (from the network file) with what is known;
    an endorsed new key that arrives with an envelope joins through ``add_key``. With a ``path``, every change is
    saved there at once."""

    def __init__(self, bundles: Iterable[KeyBundle] = (), path: Path | str | None = None) -> None:
        self.path = Path(path) if path else None
        self._identities: dict[str, HubIdentity] = {}
        self._keys: dict[str, dict[str, PublicKeys]] = {}
        self._lock = threading.Lock()
        for bundle in bundles:
            self._merge(bundle)

    @classmethod
    def load(cls, path: Path | str) -> Keyring:
        """The keyring saved at ``path`` (empty when there is none yet); ValueError when the file is damaged."""
        path = Path(path)
        if not path.is_file():
            return cls(path=path)
        document = orjson.loads(path.read_bytes())
        if not isinstance(document, dict) or document.get("format") != KEYRING_FORMAT:
            raise ValueError(f"{path}: not a keyring (format {KEYRING_FORMAT})")
        return cls((KeyBundle.from_json(b) for b in document.get("hubs", [])), path)

    def add(self, bundle: KeyBundle) -> None:
        """Merge a peer's bundle: new generations join, a known one takes the bundle's (end of) validity."""
        with self._lock:
            self._merge(bundle)
            self._save()

    def add_key(self, public: PublicKeys) -> None:
        """Add one endorsed generation of a known hub (see ``check_endorsement``); the endorsing generation takes
        the end of validity the endorsement states."""
        with self._lock:
            known = self._keys[public.hub]
            known.setdefault(public.key_id, public)
            endorser = known.get(public.endorsement.key_id) if public.endorsement else None
            if endorser is not None:
                end = min(endorser.expires or public.endorsement.expires, public.endorsement.expires)
                known[endorser.key_id] = replace(endorser, expires=end)
            self._save()

    def _merge(self, bundle: KeyBundle) -> None:
        self._identities[bundle.hub] = bundle.identity
        known = self._keys.setdefault(bundle.hub, {})
        for public in bundle.keys:
            old = known.get(public.key_id)
            known[public.key_id] = public if old is None else replace(old, expires=public.expires)

    def __contains__(self, hub: object) -> bool:
        return hub in self._identities

    def hubs(self) -> list[str]:
        return sorted(self._identities)

    def identity(self, hub: str) -> HubIdentity | None:
        return self._identities.get(hub)

    def keys(self, hub: str) -> list[PublicKeys]:
        """A hub's generations, oldest first."""
        return sorted(self._keys.get(hub, {}).values(), key=lambda k: k.created)

    def key(self, hub: str, key_id: str) -> PublicKeys | None:
        return self._keys.get(hub, {}).get(key_id)

    def encryption_key(self, hub: str, at: datetime | None = None) -> PublicKeys:
        """The newest generation of ``hub`` valid at ``at`` (now): what a sender encrypts to. KeyError if none."""
        at = at or datetime.now(UTC)
        valid = [k for k in self.keys(hub) if k.valid_at(at)]
        if not valid:
            raise KeyError(f"no valid public key of hub {hub!r} in the keyring")
        return valid[-1]

    def check_endorsement(self, public: PublicKeys, algorithms: Iterable[str], at: datetime) -> str | None:
        """None when ``public`` is endorsed by a generation of its hub known here and valid at ``at``; else why not."""
        if public.endorsement is None:
            return f"key {public.key_id} carries no endorsement"
        endorser = self.key(public.hub, public.endorsement.key_id)
        if endorser is None or not endorser.valid_at(at):
            return f"key {public.key_id} is endorsed by {public.endorsement.key_id}, not a valid key of {public.hub}"
        message = public.endorsement_message(endorser.key_id, public.endorsement.expires)
        problem = endorser.verify(public.endorsement.signatures, algorithms, message, ENDORSEMENT_CONTEXT)
        return f"endorsement of key {public.key_id}: {problem}" if problem else None

    def to_json(self) -> dict[str, Any]:
        return {"format": KEYRING_FORMAT,
                "hubs": [KeyBundle(self._identities[hub], tuple(self.keys(hub))).to_json() for hub in self.hubs()]}

    def _save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2), 0o644)
