"""The sharing policy: TLP 2.0 decides what may leave the hub, and for whom. One gate for every outgoing path.

Recipients are peer hubs, the hub's own constituents (the organisations it serves) and sharing groups
(named sets of peers), all from the hub configuration. The rules, for an object of level L that this
hub created (``origin`` empty) or received from a peer (``origin`` = that peer):

* CLEAR, GREEN: to every recipient.
* AMBER: our own to any recipient (it may pass it to its constituents); received AMBER only back to the
  peer it came from and to our own constituents.
* AMBER+STRICT: only to a single organisation (never a group); received AMBER+STRICT only back to its origin.
* RED: never leaves the hub.

Unmarked objects take the hub's ``default_tlp``. An object that references (``*_ref``/``*_refs``) an
object the recipient may not see is withheld too, so that a relationship or sighting never leaks a
RED indicator. :func:`SharingPolicy.gate` is the single door: TAXII reads, pushes, exports and
warnings all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .store import IntelStore, StoredObject
from .tlp import LEVELS

KINDS = ("peer", "constituent", "group", "community")


@dataclass(frozen=True)
class Recipient:
    """Whom objects go to: a peer hub, one of our constituents, a sharing group of peers, or the community
    (no one in particular, e.g. an export without a named recipient: CLEAR and GREEN only)."""

    name: str
    kind: str
    members: tuple[str, ...] = ()


COMMUNITY = Recipient("community", "community")


@dataclass
class Gated:
    """What the gate let through, and what it withheld with the reason (object id, reason)."""

    allowed: list[StoredObject] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SharingPolicy:
    """The hub's name, its default TLP for unmarked objects and the recipients it knows."""

    hub: str
    default_tlp: str = "AMBER"
    recipients: dict[str, Recipient] = field(default_factory=dict)

    def __post_init__(self):
        if self.default_tlp not in LEVELS:
            raise ValueError(f"default_tlp must be one of {', '.join(LEVELS)}, not {self.default_tlp!r}")

    @classmethod
    def from_config(cls, config: dict) -> SharingPolicy:
        """From the hub configuration: ``hub: {name, default_tlp}``, ``peers``, ``constituents``, ``groups``."""
        hub = config.get("hub") or {}
        recipients = {name: Recipient(name, "peer") for name in config.get("peers") or {}}
        recipients |= {name: Recipient(name, "constituent") for name in config.get("constituents") or {}}
        for name, members in (config.get("groups") or {}).items():
            unknown = [m for m in members if recipients.get(m, Recipient("", "")).kind != "peer"]
            if unknown:
                raise ValueError(f"sharing group {name!r} names unknown peers: {', '.join(unknown)}")
            recipients[name] = Recipient(name, "group", tuple(members))
        return cls(hub.get("name", "hub"), str(hub.get("default_tlp", "AMBER")).upper(), recipients)

    def recipient(self, name: str) -> Recipient:
        """The recipient called ``name``; KeyError when the configuration does not know it."""
        if name not in self.recipients:
            raise KeyError(f"unknown recipient {name!r}; known: {', '.join(sorted(self.recipients)) or 'none'}")
        return self.recipients[name]

    def refusal(self, level: str | None, origin: str | None, recipient: Recipient) -> str | None:
        """Why an object of ``level`` from ``origin`` may not go to ``recipient``, or ``None`` when it may."""
        level = level or self.default_tlp
        own = origin in (None, self.hub)
        if level in ("CLEAR", "GREEN"):
            return None
        if level == "RED":
            return "TLP:RED never leaves the hub"
        if recipient.kind == "community":
            return f"TLP:{level} goes only to a named recipient"
        if level == "AMBER+STRICT":
            if recipient.kind == "group":
                return "TLP:AMBER+STRICT goes to one organisation only, never to a sharing group"
            if own or origin == recipient.name:
                return None
            return f"TLP:AMBER+STRICT received from {origin} stays in this organisation"
        if own or origin == recipient.name or recipient.kind == "constituent":
            return None
        return f"TLP:AMBER received from {origin} goes only to this hub's constituents"

    def gate(self, store: IntelStore, objects: Sequence[StoredObject], recipient: Recipient) -> Gated:
        """Split ``objects`` into what ``recipient`` may receive and what is withheld (with the reason)."""
        gated = Gated()
        refs = {ref for obj in objects for ref in obj.refs}
        held = store.markings(refs) if refs else {}
        for obj in objects:
            held.setdefault(obj.id, []).append((obj.tlp, obj.origin))
        for obj in objects:
            reason = self.refusal(obj.tlp, obj.origin, recipient) or self._refused_reference(obj.refs, held, recipient)
            if reason:
                gated.withheld.append((obj.id, reason))
            else:
                gated.allowed.append(obj)
        return gated

    def _refused_reference(self, refs: Iterable[str], held: dict, recipient: Recipient) -> str | None:
        for ref in refs:
            for level, origin in held.get(ref, ()):
                reason = self.refusal(level, origin, recipient)
                if reason:
                    return f"references {ref}, which is withheld: {reason}"
        return None
