"""``cybershield run``: the hub's main job on the embedded default (``make run``); see ``hub.job``."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from ..config import settings
from .base import app, console
from .detect import detect_summary, print_detect_summary
from .ingest import file_progress, print_summary
from .intel import print_rejections


def print_imports(reports: list) -> None:
    from ..intel import rejections_by_reason

    table = Table(title="intelligence imported into the store")
    for col in ("files", "stored", "updated", "unchanged", "rejected", "unreadable"):
        table.add_column(col, justify="right")
    counts = {s: sum(r.result.counts[s] for r in reports) for s in ("stored", "updated", "unchanged", "rejected")}
    table.add_row(f"{len(reports):,}", *(f"{counts[s]:,}" for s in counts), f"{sum(r.error is not None for r in reports):,}")
    console.print(table)
    print_rejections(rejections_by_reason(reports))


@app.command("run")
def run_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the ingest and detection summaries as one JSON object.")] = False,
) -> None:
    """Run the hub's main job: import intelligence, ingest the telemetry, detect, store the alerts."""
    from ..hub import FLOW_MODEL, HubContext, HubError, import_intel, job_sources, run_job

    cfg = settings()
    try:
        context = HubContext.open(cfg)
    except HubError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(exc.exit_code) from None
    if cfg.shared_data_present():
        console.print(f"[bold]using the shared data in {cfg.data_dir}[/]")
    else:
        console.print(f"[bold]no shared data at {cfg.data_dir}; generating sample telemetry in "
                      f"{cfg.var_dir / 'sample-telemetry'}[/]")
    sources = job_sources(cfg)
    with console.status(f"importing intelligence ({len(sources.intel)} files)", spinner="dots"):
        reports = import_intel(context.store, sources.intel)
    if not as_json:
        print_imports(reports)
    with console.status("loading Sigma rules, indicators and models", spinner="dots"):
        detectors, _ = context.build_detectors()
    if context.flow_model() is None:
        console.print(f"no flow model named {FLOW_MODEL!r} yet: `cybershield model train --data FILE... "
                      f"--out {FLOW_MODEL}` adds one, and the main job scores flows with it from then on")
    with file_progress(sources.telemetry, not as_json) as on_file:
        result = run_job(context, sources.telemetry, detectors, on_file)
    detected = detect_summary(result.run, result.seconds, result.summary.quarantined, result.stored)
    if as_json:
        typer.echo(orjson.dumps({"ingest": result.summary.as_dict(), "detect": detected, "run_id": result.run_id}).decode())
        return
    print_summary(result.summary)
    print_detect_summary(detected, result.run)
    console.print(f"run {result.run_id} recorded in {cfg.db_url}; alerts in {result.alert_log}")
