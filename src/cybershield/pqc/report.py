"""The HTML report of an inventory: a drawn chart of endpoints and connections by status, the
constituents and the endpoints to migrate first."""

from __future__ import annotations

import html
from pathlib import Path

from ..charts import pyplot
from .inventory import Inventory
from .status import STATUSES

COLOURS = {"pq": "#1a9850", "hybrid-pq": "#91cf60", "quantum-vulnerable": "#fc8d59",
           "classically-broken": "#d73027", "unknown": "#bdbdbd"}
TOP = 100


def draw_status_chart(summary: dict, path: Path) -> None:
    """Two bar charts side by side: endpoints by status, handshakes by status."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, (title, counts) in zip(axes, (("endpoints by status", summary["by_status"]),
                                          ("handshakes by status", summary["handshakes"]["by_status"])), strict=True):
        values = [counts.get(s, 0) for s in STATUSES]
        bars = ax.barh(list(STATUSES), values, color=[COLOURS[s] for s in STATUSES])
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlim(0, max(values + [1]) * 1.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cell(value) -> str:
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_report(inventory: Inventory, folder: Path) -> Path:
    """``index.html`` and ``status.png`` in ``folder``; returns the HTML file."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = inventory.summary
    draw_status_chart(summary, folder / "status.png")
    hs = summary["handshakes"]
    facts = _table(["handshakes", "classified", "unknown", "endpoints", "certificates"],
                   [[f"{hs['read']:,}", f"{hs['classified']:,}", f"{hs['unknown']:,}", f"{summary['endpoints']:,}",
                     summary.get("certificates")]])
    constituents = _table(
        ["constituent", "sector", "sensitivity", "endpoints", *STATUSES, "priority", "deadline"],
        [[c["name"], c["sector"], c["sensitivity"], c["endpoints"], *(c["by_status"][s] for s in STATUSES),
          c["priority"], c["deadline"]] for c in inventory.constituents])
    endpoints = _table(
        ["priority", "deadline", "status", "endpoint", "hosts", "constituent", "connections", "clients", "reasons"],
        [[e["priority"]["score"], e["priority"]["deadline"], e["status"], f"{e['address']}:{e['port']}/{e['service']}",
          e["hosts"][:3], e["constituent"], e["connections"], e["clients"], e["reasons"][:1]]
         for e in inventory.endpoint_frame().head(TOP).iter_rows(named=True)])
    unknown = _table(["why unknown", "handshakes"], [[r, n] for r, n in summary["unknown_reasons"].items()])
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Post-quantum readiness</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 6px;font-size:90%;text-align:left;vertical-align:top}}</style></head>
<body><h1>Post-quantum readiness</h1>
<p>Inventory of TLS and SSH handshakes and certificates. Roadmap (EU coordinated PQC roadmap): start by the end
of 2026, high-risk use cases migrated by the end of 2030, as much as feasible by 2035.</p>
{facts}
<img src="status.png" alt="endpoints and handshakes by status">
<h2>Constituents</h2>{constituents}
<h2>Endpoints to migrate first (top {TOP})</h2>{endpoints}
<h2>What the logs did not tell</h2>{unknown}
</body></html>"""
    out = folder / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
