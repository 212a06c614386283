"""TLP 2.0 marking definitions (the OASIS "TLP 2.0" STIX extension) and MISP's ``tlp:`` tags."""

from __future__ import annotations

import stix2

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: level -> the marking-definition id OASIS publishes for it.
TLP_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_LEVELS = {v: k for k, v in TLP_IDS.items()}
#: MISP ``tlp:`` tag -> TLP 2.0 level (TLP 1.0's WHITE became CLEAR).
MISP_TLP_TAGS = {"tlp:white": "clear", "tlp:clear": "clear", "tlp:green": "green", "tlp:amber": "amber",
                 "tlp:amber+strict": "amber+strict", "tlp:red": "red"}


def tlp_marking(level: str) -> stix2.MarkingDefinition:
    """The TLP 2.0 marking-definition object of a level ("clear", "green", "amber", "amber+strict", "red")."""
    return stix2.MarkingDefinition(
        id=TLP_IDS[level], created="2022-10-01T00:00:00.000Z", name=f"TLP:{level.upper()}",
        extensions={TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
        allow_custom=True)
