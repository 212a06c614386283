"""MITRE ATT&CK technique ids (``T1059``, ``T1059.001``) from whatever names them: Sigma tags
(``attack.t1059.001``), STIX labels, kill-chain phases and external references, MISP attack-pattern
galaxy tags. The one extractor for detection (Sigma rules, indicators) and intelligence (MISP)."""

from __future__ import annotations

import re

TECHNIQUE = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
#: A tag or label that is a technique id: ``T1071``, ``attack.t1071.004``.
TECHNIQUE_TAG = re.compile(r"(?:attack\.)?t\d{4}(?:\.\d{3})?", re.IGNORECASE)
#: A MISP galaxy tag of an ATT&CK attack pattern: group 1 its name, group 2 its technique id.
MISP_ATTACK_TAG = re.compile(r'misp-galaxy:mitre-(?:enterprise-attack-|mobile-attack-|pre-attack-)?attack-pattern='
                             r'"(.*?)\s*-\s*(T\d{4}(?:\.\d{3})?)"')


def technique_of_tag(tag: str) -> str | None:
    """``attack.t1059.001`` or ``T1059`` -> ``T1059.001`` / ``T1059``; a MISP attack-pattern galaxy tag -> its
    technique id; anything else -> None."""
    if TECHNIQUE_TAG.fullmatch(tag):
        return tag.upper().removeprefix("ATTACK.")
    galaxy = MISP_ATTACK_TAG.fullmatch(tag)
    return galaxy.group(2) if galaxy else None


def techniques_of_stix(obj: dict) -> list[str]:
    """The techniques a STIX object names: in ``labels`` (technique tags, MISP galaxy tags), ATT&CK
    ``kill_chain_phases`` and ``mitre-*`` external references."""
    found: list[str] = []
    for label in obj.get("labels") or []:
        label = str(label)
        if TECHNIQUE_TAG.fullmatch(label) or "attack-pattern" in label:
            found += TECHNIQUE.findall(label.upper())
    for phase in obj.get("kill_chain_phases") or []:
        if isinstance(phase, dict):
            found += TECHNIQUE.findall(str(phase.get("phase_name", "")).upper())
    for ref in obj.get("external_references") or []:
        if isinstance(ref, dict) and str(ref.get("source_name", "")).startswith("mitre"):
            found += TECHNIQUE.findall(str(ref.get("external_id", "")))
    return sorted(set(found))
