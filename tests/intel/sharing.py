"""A store holding one object per sharing case, and which of them each recipient may receive."""

from __future__ import annotations

from cybershield.intel import IntelStore

from .factory import T0, indicator, relationship, sid, sighting

#: label -> (object, origin). Own objects have no origin; fr-hub's came from that peer.
RED = indicator(5, tlp="RED")


def cases() -> dict[str, tuple[dict, str | None]]:
    report = {"type": "report", "spec_version": "2.1", "id": sid("report", 1), "created": T0, "modified": T0,
              "name": "campaign", "published": T0, "object_refs": [indicator(1)["id"], RED["id"]],
              "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
    return {
        "clear": (indicator(1, tlp="CLEAR"), None),
        "green": (indicator(2, tlp="GREEN"), None),
        "amber": (indicator(3, tlp="AMBER"), None),
        "amber+strict": (indicator(4, tlp="AMBER+STRICT"), None),
        "red": (RED, None),
        "unmarked": (indicator(6), None),
        "rel-to-red": (relationship(1, indicator(2)["id"], RED["id"], tlp="GREEN"), None),
        "sighting-of-red": (sighting(1, RED["id"], tlp="CLEAR"), None),
        "report-with-red": (report, None),
        "fr-green": (indicator(11, tlp="GREEN"), "fr-hub"),
        "fr-amber": (indicator(12, tlp="AMBER"), "fr-hub"),
        "fr-amber+strict": (indicator(13, tlp="AMBER+STRICT"), "fr-hub"),
    }


OWN_SHAREABLE = {"clear", "green", "amber", "unmarked"}  # unmarked takes the hub default, AMBER here
EXPECTED = {
    "fr-hub": OWN_SHAREABLE | {"amber+strict", "fr-green", "fr-amber", "fr-amber+strict"},
    "be-hub": OWN_SHAREABLE | {"amber+strict", "fr-green"},
    "charite": OWN_SHAREABLE | {"amber+strict", "fr-green", "fr-amber"},
    "west": OWN_SHAREABLE | {"fr-green"},
    "community": {"clear", "green", "fr-green"},
}


def fill(store: IntelStore, collection: str = "hub") -> dict[str, str]:
    """Store every case; returns object id -> label."""
    labels = {}
    for label, (obj, origin) in cases().items():
        result = store.add([obj], collection=collection, origin=origin)
        assert result.counts["stored"] == 1, result.statuses
        labels[obj["id"]] = label
    return labels
