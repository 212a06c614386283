"""Exporting the store as a STIX 2.1 bundle for a recipient, through the sharing gate."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

from .policy import Recipient, SharingPolicy
from .store import IntelStore, StoredObject
from .tlp import LEVEL_OF_MARKING, TLP2_IDS, marking_definition


@dataclass
class Export:
    """The objects that may go to the recipient, and the ids withheld with the reason."""

    objects: list[StoredObject] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)

    def bundle(self) -> bytes:
        """A STIX 2.1 bundle (JSON bytes) of the objects and the TLP 2.0 marking definitions they use."""
        ids = {o.id for o in self.objects}
        levels = sorted({LEVEL_OF_MARKING[ref] for o in self.objects for ref in _marking_refs(o)})
        markings = [orjson.dumps(marking_definition(level)).decode() for level in levels if TLP2_IDS[level] not in ids]
        documents = markings + [o.document for o in self.objects]
        return (f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[' + ",".join(documents) + "]}").encode()


def _marking_refs(obj: StoredObject) -> Iterator[str]:
    data = obj.as_dict()
    refs = list(data.get("object_marking_refs") or ())
    refs += [g.get("marking_ref") for g in data.get("granular_markings") or () if isinstance(g, dict)]
    return (r for r in refs if r in LEVEL_OF_MARKING and r in TLP2_IDS.values())


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
