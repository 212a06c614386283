"""``cybershield detect``: run Sigma rules (and indicators, models) over logs; alerts as JSON lines."""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from ..config import settings
from ..detect import DetectorUnavailable, DetectRun, build_detectors
from ..events import Quarantine
from ..storage import open_database, store_alerts
from .app import app, console
from .ingest import run_ingest


def detect_summary(run: DetectRun, seconds: float, quarantined: int, stored: int) -> dict:
    described = [d.describe() for d in run.detectors]
    return {
        "events": run.events,
        "quarantined": quarantined,
        "rules_loaded": sum(d.get("rules_loaded", 0) for d in described),
        "rules_failed": [f for d in described for f in d.get("rules_failed", [])],
        "alerts": run.alert_count,
        "alerts_stored": stored,
        "rules_fired": len(run.by_rule),
        "seconds": round(seconds, 3),
        "events_per_second": round(run.events / seconds, 1) if seconds > 0 else 0.0,
        "detectors": described,
    }


def print_detect_summary(summary: dict, run: DetectRun) -> None:
    table = Table(title="detect summary")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("events", "quarantined", "rules_loaded", "alerts", "alerts_stored", "rules_fired", "events_per_second"):
        table.add_row(key.replace("_", " "), f"{summary[key]:,}")
    table.add_row("rules failed", f"{len(summary['rules_failed']):,}")
    console.print(table)
    if run.by_rule:
        top = Table(title="alerts by rule (top 15)")
        for col in ("rule id", "title", "level", "alerts"):
            top.add_column(col, justify="right" if col == "alerts" else "left")
        for (rule_id, title, level), count in run.by_rule.most_common(15):
            top.add_row(rule_id, title, level, f"{count:,}")
        console.print(top)
    for failure in summary["rules_failed"][:10]:
        console.print(f"[yellow]rule failed[/] {failure['source']}: {failure['reason']}")


@app.command("detect")
def detect_command(
    paths: Annotated[list[Path], typer.Argument(help="Log files or folders (walked recursively).")],
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Sigma rule folder or file (repeatable).")] = None,
    indicators: Annotated[list[Path] | None, typer.Option("--indicators", help="Indicator file: STIX 2.1 bundle, MISP JSON, CSV (repeatable).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Name of a registered model to score events with.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write one JSON line per alert to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Detect attacks in logs with Sigma rules (plus indicators, models); alerts go to --out and the hub database."""
    if not (rules or indicators or model):
        console.print("[red]nothing to detect with[/]: give --rules, --indicators or --model")
        raise typer.Exit(2)
    try:
        with nullcontext() if as_json else console.status("loading detectors", spinner="dots"):
            detectors = build_detectors(rules, indicators, model)
    except DetectorUnavailable as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
    stream = out.open("wb") if out else None
    started = time.perf_counter()
    try:
        run = DetectRun(detectors, stream)
        ingested = run_ingest(paths, None, None, Quarantine(), show_progress=not as_json, consumer=run.batch)
        run.finish()
    finally:
        if stream:
            stream.close()
    seconds = time.perf_counter() - started
    cfg = settings()
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    stored = store_alerts(open_database(cfg.db_url), run.alerts) if run.alerts else 0
    summary = detect_summary(run, seconds, ingested.quarantined, stored)
    if as_json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    else:
        print_detect_summary(summary, run)
    if ingested.parsed == 0:
        console.print("[red]no events could be read[/]")
        raise typer.Exit(1)
