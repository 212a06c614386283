"""The exercise report: a timeline per country for each run (PNG) and an HTML page with the scorecard."""

from __future__ import annotations

import html
from pathlib import Path

from ..charts import pyplot
from ..intel.stixtime import parse_time as utc

_COLOURS = {"prevented": "#2e7d32", "detected": "#ef6c00", "missed": "#c62828"}


def _outcome(stage: dict) -> str:
    return "prevented" if stage["prevented"] else "detected" if stage["detected"] else "missed"


def timeline(run: dict, title: str, path: Path) -> Path:
    """One row per country: each stage at its start, coloured by its outcome, a line to its first detection."""
    countries = sorted({s["country"] for s in run["stages"]}, key=lambda c: min(
        s["started"] for s in run["stages"] if s["country"] == c))
    row = {c: i for i, c in enumerate(countries)}
    plt = pyplot()
    from matplotlib import dates as mdates

    fig, ax = plt.subplots(figsize=(10, 0.6 * len(countries) + 1.6))
    for stage in run["stages"]:
        y, started = row[stage["country"]], utc(stage["started"])
        if stage["first_detected"]:
            ax.plot([started, utc(stage["first_detected"])], [y, y], color="#888", lw=1)
        ax.scatter([started], [y], s=70, color=_COLOURS[_outcome(stage)], zorder=3)
        ax.annotate(stage["stage"], (started, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7)
    for country, moment in run.get("warned_at", {}).items():
        if country in row:
            ax.scatter([utc(moment)], [row[country]], marker="v", s=90, color="#1565c0", zorder=4)
    ax.set_yticks(range(len(countries)), countries)
    ax.set_ylim(-0.7, len(countries) - 0.3)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    for outcome, colour in _COLOURS.items():
        ax.scatter([], [], color=colour, label=outcome)
    ax.scatter([], [], marker="v", color="#1565c0", label="warning received")
    ax.legend(loc="lower right", fontsize=8, ncol=4)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(scorecard: dict, directory: Path) -> Path:
    """``report.html`` with a timeline per run and the stage table, beside ``scorecard.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, run in scorecard["runs"].items():
        image = timeline(run, f"{scorecard['scenario']}: {name.replace('_', ' ')}", directory / f"timeline-{name}.png")
        rows = "".join(
            f"<tr><td>{html.escape(s['country'])}</td><td>{html.escape(s['stage'])}</td><td>{s['started']}</td>"
            f"<td>{s['first_detected'] or '–'}</td><td class='{_outcome(s)}'>{_outcome(s)}</td></tr>"
            for s in run["stages"])
        leads = ", ".join(f"{t / 3600:.1f} h" for t in run["warning_lead_times_s"]) or "none"
        sections.append(
            f"<h2>{html.escape(name.replace('_', ' '))}</h2><img src='{image.name}' alt='timeline of {name}'>"
            f"<p>{run['prevented']} of {len(run['stages'])} stages prevented, {run['detected']} detected; "
            f"warning lead times: {leads}; {run['false_alerts']} alerts on {run['background_events']:,} "
            f"background events.</p><table><tr><th>country</th><th>stage</th><th>started</th>"
            f"<th>first detected</th><th>outcome</th></tr>{rows}</table>")
    page = directory / "report.html"
    page.write_text(
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>Exercise {html.escape(scorecard['scenario'])}</title><style>body{{font-family:sans-serif;"
        "max-width:1100px;margin:2em auto}}table{{border-collapse:collapse}}td,th{{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:left}}.prevented{{color:#2e7d32}}.detected{{color:#ef6c00}}"
        ".missed{{color:#c62828}}img{{max-width:100%}}</style>"
        f"<h1>Exercise {html.escape(scorecard['scenario'])} (seed {scorecard['seed']})</h1>{''.join(sections)}</html>")
    return page
