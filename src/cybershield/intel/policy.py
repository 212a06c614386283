"""The sharing policy: TLP 2.0 decides what may leave the hub, and for whom. One gate for every outgoing path.

Recipients are peer hubs, the hub's own constituents (the organisations it serves) and sharing groups
(named sets of peers), all from the hub configuration. The rules, for an object of level L that this
hub created (``origin`` empty) or received from a peer (``origin`` = that peer):

* CLEAR, GREEN: to every recipient.
* AMBER: our own to any recipient (it may pass it to its constituents); received AMBER only back to the
  peer it came from and to our own constituents.
* AMBER+STRICT: only to a single organisation (never a group); received AMBER+STRICT only back to its origin.
* RED: never leaves the hub.

Unmarked objects take the hub's ``default_tlp``. The gate fails closed:

* a marking the hub cannot read (:data:`~.tlp.UNKNOWN`) keeps the object in the hub, for every recipient;
* the newest version decides for all versions: once an object is re-marked (or made to reference
  something) so that a recipient may not see it, none of its older versions reach that recipient either;
* references (``*_ref``/``*_refs``) are followed transitively: an object that references, directly or
  through up to :data:`MAX_REFERENCE_DEPTH` hops, an object the recipient may not see is withheld, so
  that neither a relationship nor the report listing it leaks a RED indicator. A chain longer than that
  is withheld too.

:func:`SharingPolicy.gate` is the single door: TAXII reads, pushes, exports and warnings all go through
it; :func:`SharingPolicy.page` fills a page with what the recipient may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .store import IntelStore, Page, StoredObject, encode_cursor
from .tlp import LEVELS, UNKNOWN

KINDS = ("peer", "constituent", "group", "community")
#: How many hops of references the gate follows; an object whose references go deeper is withheld.
MAX_REFERENCE_DEPTH = 8


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
        if level == UNKNOWN:
            return "a marking this hub cannot read never leaves the hub (fail closed)"
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
        graph = _Graph(store, objects)
        verdicts: dict[tuple[str, int], str | None] = {}

        def verdict(oid: str, depth: int) -> str | None:
            """Why the newest versions of ``oid`` (or what they reference) may not go to ``recipient``."""
            key = (oid, depth)  # depth grows along every path, so a cycle of references ends at the bound
            if key not in verdicts:
                verdicts[key] = next(filter(None, (self.refusal(level, origin, recipient) or
                                                   referenced(refs, depth)
                                                   for level, origin, refs in graph.newest.get(oid, ()))), None)
            return verdicts[key]

        def referenced(refs: Iterable[str], depth: int) -> str | None:
            for ref in refs:
                if depth >= MAX_REFERENCE_DEPTH:
                    if ref in graph.newest:
                        return f"references {ref} more than {MAX_REFERENCE_DEPTH} hops deep (fail closed)"
                    continue
                reason = verdict(ref, depth + 1)
                if reason:
                    return reason if reason.startswith("references ") else f"references {ref}, which is withheld: {reason}"
            return None

        for obj in objects:
            reason = self.refusal(obj.tlp, obj.origin, recipient) or verdict(obj.id, 0) or referenced(obj.refs, 0)
            if reason:
                gated.withheld.append((obj.id, reason))
            else:
                gated.allowed.append(obj)
        return gated

    def page(self, store: IntelStore, recipient: Recipient, collection: str, *, limit: int = 1000,
             cursor: str | None = None, **filters) -> Page:
        """A page of ``collection`` (``filters`` as :meth:`IntelStore.page`) filled with what ``recipient``
        may see: withheld objects are skipped, never counted, and the cursor names the position of the
        last object returned, so neither ``more`` nor ``next`` tells anything about them."""
        allowed: list[StoredObject] = []
        position = cursor
        while len(allowed) <= limit:
            page = store.page(collection, cursor=position, limit=max(limit + 1, 200), **filters)
            allowed += self.gate(store, page.objects, recipient).allowed
            if not page.more:
                break
            position = page.next
        more = len(allowed) > limit
        allowed = allowed[:limit]
        return Page(allowed, more, encode_cursor(allowed[-1].date_added, allowed[-1].seq) if more else None)


class _Graph:
    """The newest versions (level, origin, references) of the objects, and of what they reference up to
    :data:`MAX_REFERENCE_DEPTH` hops, read level by level."""

    def __init__(self, store: IntelStore, objects: Sequence[StoredObject]):
        self.newest: dict[str, list[tuple[str | None, str | None, tuple[str, ...]]]] = {}
        wanted = {obj.id for obj in objects} | {ref for obj in objects for ref in obj.refs}
        fetched: set[str] = set()
        for _ in range(MAX_REFERENCE_DEPTH + 1):
            wanted -= fetched
            if not wanted:
                break
            found = store.markings(wanted)
            fetched |= wanted
            self.newest |= found
            wanted = {ref for rows in found.values() for _, _, refs in rows for ref in refs}
