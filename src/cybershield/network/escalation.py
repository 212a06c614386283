"""Escalation packages: a large-scale case written for EU-CyCLONe and the CSIRTs network.

One folder per warning: ``case.json`` (the countries, sighting counts and times, severities, techniques,
the warning's history) and ``stix.json`` (the warning's STIX bundle), both with UTC timestamps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from .warnings import Warning


def write_escalation(warning: Warning, hub: str, directory: Path) -> Path:
    """Write the package of ``warning`` under ``directory/<report id>/``; returns the folder."""
    report = next(o for o in warning.bundle["objects"] if o["type"] == "report")
    facts = report["x_cybershield_warning"]
    folder = directory / warning.report_id.replace("--", "-")
    folder.mkdir(parents=True, exist_ok=True)
    case = {
        "kind": "large-scale-cybersecurity-incident", "for": ["EU-CyCLONe", "CSIRTs network"],
        "from": hub, "written": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "warning": warning.report_id, "observable": facts["observable"], "countries": warning.countries,
        "sightings": facts["sightings"], "first_seen": facts["first_seen"], "last_seen": facts["last_seen"],
        "techniques": facts["techniques"], "summary": report.get("description", ""),
    }
    (folder / "case.json").write_bytes(orjson.dumps(case, option=orjson.OPT_INDENT_2))
    (folder / "stix.json").write_bytes(orjson.dumps(warning.bundle, option=orjson.OPT_INDENT_2))
    return folder
