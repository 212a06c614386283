"""The incident review package (Cyber Solidarity Act Art. 21) for a significant or large-scale incident.

It gathers the timeline across the hubs involved (the hub's own audit trail, the alerts, the reports
submitted, the Reserve requests, and the steps peers reported), the causes, the exploited
vulnerabilities, the techniques, what was shared with whom and when, and the lessons learned; as
JSON and as an HTML page. An incident counts as significant when its severity is high or critical,
when it spans member states, or when an analyst marked it so (``incident update --significant``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from .clock import iso
from .errors import ResponseError
from .render import render


def is_significant(incident: dict) -> bool:
    return (incident["severity"] in ("high", "critical") or bool(incident.get("significant"))
            or bool(incident.get("cross_border")) or len(incident.get("countries", [])) > 1)


def build_review(incident: dict, audit: list[dict], alerts: list[dict], reserve: list[dict], hub: str,
                 now: datetime | None = None) -> dict:
    if not is_significant(incident):
        raise ResponseError(f"{incident['id']} is not a significant or large-scale incident (severity "
                            f"{incident['severity']}, one member state); mark it with --significant to review it")
    timeline = [{"at": e["at"], "hub": hub, "what": f"{e['action']} by {e['actor']}", "detail": e.get("data")}
                for e in audit]
    timeline += [{"at": a["time"], "hub": hub, "what": f"alert: {a['rule_title']} ({a['level']})",
                  "detail": {"alert": a["id"], "techniques": a["techniques"]}} for a in alerts]
    timeline += [{"at": t["at"], "hub": t.get("hub") or hub, "what": t["what"], "detail": None}
                 for t in incident.get("timeline", [])]
    timeline.sort(key=lambda t: datetime.fromisoformat(t["at"].replace("Z", "+00:00")))
    shared = [{"at": s["submitted_at"], "what": f"NIS2 {s['kind']} report", "to": "CSIRT / competent authority"}
              for s in incident.get("submissions", [])]
    shared += [{"at": r["requested_at"], "what": f"EU Cybersecurity Reserve request {r['id']} ({r['status']})",
                "to": r["provider"] or "Reserve"} for r in reserve]
    shared.sort(key=lambda s: s["at"])
    vulnerabilities = list(dict.fromkeys([*incident.get("vulnerabilities", []),
                                          *(o["value"] for o in incident.get("observables", [])
                                            if o["type"] == "vulnerability")]))
    techniques = sorted(set(incident.get("techniques", [])) | {t for a in alerts for t in a["techniques"]})
    return {
        "review": "incident review (Regulation (EU) 2025/38, Art. 21)",
        "generated_at": iso(now or datetime.now(UTC)),
        "incident": {k: incident.get(k) for k in ("id", "title", "status", "severity", "entity_type", "sector",
                                                   "aware_at", "resolved_at", "countries", "entities")},
        "hubs": sorted({t["hub"] for t in timeline if t["hub"]}),
        "timeline": timeline,
        "causes": {"root_cause": incident.get("root_cause"), "threat_type": incident.get("threat_type"),
                   "contributing": incident.get("causes", [])},
        "vulnerabilities": vulnerabilities,
        "techniques": techniques,
        "shared": shared,
        "mitigation": incident.get("mitigation", []),
        "lessons_learned": incident.get("lessons", []),
    }


def write_review(review: dict, out: Path) -> list[Path]:
    """``review.json`` and ``review.html`` in the folder ``out`` (created)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "review.json", out / "review.html"]
        paths[0].write_bytes(orjson.dumps(review, option=orjson.OPT_INDENT_2))
        paths[1].write_text(render("review.html", review=review))
    except OSError as exc:
        raise ResponseError(f"cannot write the review package to {out}: {exc}") from None
    return paths
