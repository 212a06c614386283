"""TLP 2.0 (and TLP 1.0) as STIX 2.1 marking definitions, and the TLP level an object carries.

Markings fail closed: a marking definition is read by what it says (the TLP 2.0 extension's ``tlp_2_0``
value, or a STIX ``tlp`` definition), whatever its id; a marking whose meaning the hub does not know
(a definition it does not hold, a statement, anything else) makes the object :data:`UNKNOWN`, which the
sharing policy never lets leave the hub.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: The TLP 2.0 extension of STIX 2.1 (OASIS cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

#: Levels from the least to the most restrictive.
LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
#: The level of an object that carries a marking the hub cannot read: stricter than RED for sharing.
UNKNOWN = "UNKNOWN"
RANK = {level: i for i, level in enumerate((*LEVELS, UNKNOWN))}

TLP2_IDS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: The TLP 1.0 markings STIX 2.1 predefines (WHITE reads as CLEAR).
TLP1_IDS = {
    "CLEAR": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "GREEN": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "AMBER": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "RED": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
LEVEL_OF_MARKING = {mid: level for ids in (TLP2_IDS, TLP1_IDS) for level, mid in ids.items()}


def marking_definition(level: str) -> dict:
    """The official TLP 2.0 marking-definition object of ``level`` (e.g. ``"AMBER+STRICT"``)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.lower()}},
    }


def most_restrictive(levels: Iterable[str | None]) -> str | None:
    """The most restrictive of ``levels`` (``None`` = unmarked) or ``None`` when all are unmarked."""
    marked = [level for level in levels if level]
    return max(marked, key=RANK.__getitem__) if marked else None


def definition_level(obj: dict) -> str | None:
    """The TLP level a marking-definition object defines, by its content (the TLP 2.0 extension's
    ``tlp_2_0``, or ``definition_type: tlp``), else by its official id; ``None`` when it is no TLP marking.
    An unreadable TLP value reads as RED."""
    values = [ext.get("tlp_2_0") for ext in (obj.get("extensions") or {}).values()
              if isinstance(ext, dict) and "tlp_2_0" in ext]
    if obj.get("definition_type") == "tlp":
        values.append((obj.get("definition") or {}).get("tlp") if isinstance(obj.get("definition"), dict) else None)
    if values:
        names = [str(v).upper().replace("WHITE", "CLEAR") if isinstance(v, str) else "" for v in values]
        return most_restrictive(name if name in RANK and name != UNKNOWN else "RED" for name in names)
    return LEVEL_OF_MARKING.get(obj.get("id"))


def tlp_of(obj: dict, definitions: Mapping[str, str] | None = None) -> str | None:
    """The TLP level an object is marked with (object and granular markings; the strictest wins), else ``None``.

    ``definitions`` gives the level of marking ids that are not the official TLP ones; any other marking
    makes the object :data:`UNKNOWN`. The TLP marking
    definitions themselves are CLEAR: a recipient needs them to read any marking.
    """
    if obj.get("type") == "marking-definition" and definition_level(obj):
        return "CLEAR"
    definitions = definitions or {}
    levels = []
    for ref in marking_refs(obj):
        if ref in LEVEL_OF_MARKING:
            levels.append(LEVEL_OF_MARKING[ref])
        else:
            levels.append(definitions.get(ref, UNKNOWN))
    return most_restrictive(levels)


def marking_refs(obj: dict) -> list[str]:
    """The marking definitions an object references (object and granular markings)."""
    refs = list(obj.get("object_marking_refs") or ())
    refs += [g.get("marking_ref") for g in obj.get("granular_markings") or () if isinstance(g, dict)]
    return [r for r in refs if isinstance(r, str)]


#: MISP ``tlp:`` tag -> TLP 2.0 level (TLP 1.0's WHITE became CLEAR).
MISP_TLP_TAGS = {"tlp:white": "CLEAR", "tlp:clear": "CLEAR", "tlp:green": "GREEN", "tlp:amber": "AMBER",
                 "tlp:amber+strict": "AMBER+STRICT", "tlp:red": "RED"}
