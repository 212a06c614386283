"""Exporting the store as a STIX 2.1 bundle for a recipient, through the sharing gate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import orjson

from .policy import Recipient, SharingPolicy
from .store import IntelStore, StoredObject
from .tlp import TLP2_IDS, marking_definition, marking_refs


@dataclass
class Export:
    """The objects that may go to the recipient, and the ids withheld with the reason."""

    objects: list[StoredObject] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)

    def bundle(self) -> bytes:
        """A STIX 2.1 bundle (JSON bytes) of the objects and the TLP 2.0 marking definitions they use."""
        ids = {o.id for o in self.objects}
        tlp2 = {mid: level for level, mid in TLP2_IDS.items()}
        levels = sorted({tlp2[ref] for o in self.objects for ref in marking_refs(o.as_dict()) if ref in tlp2})
        markings = [orjson.dumps(marking_definition(level)).decode() for level in levels if TLP2_IDS[level] not in ids]
        documents = markings + [o.document for o in self.objects]
        return (f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[' + ",".join(documents) + "]}").encode()


def export_stix(store: IntelStore, policy: SharingPolicy, recipient: Recipient, batch: int = 2000) -> Export:
    """The newest version of every object ``recipient`` may receive."""
    result = Export()
    pending: list[StoredObject] = []
    for obj in store.latest():
        pending.append(obj)
        if len(pending) >= batch:
            _gate(store, policy, recipient, pending, result)
            pending = []
    _gate(store, policy, recipient, pending, result)
    return result


def _gate(store, policy, recipient, objects, result: Export) -> None:
    if objects:
        gated = policy.gate(store, objects, recipient)
        result.objects += gated.allowed
        result.withheld += gated.withheld
