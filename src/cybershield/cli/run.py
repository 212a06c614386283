"""``cybershield run``: the hub's main job on the embedded default (``make run``)."""

from __future__ import annotations

from pathlib import Path

from ..config import settings
from ..events import Quarantine
from ..exercise import write_sample_telemetry
from ..storage import open_database, record_ingest
from .app import app, console
from .ingest import print_summary, run_ingest

#: The shared data sets the main job ingests when ``CYBERSHIELD_DATA`` holds them.
SHARED_SETS = ("evtx-attack-samples", "network-logs", "cicids2017", "netflow-v2")


def telemetry_sources() -> list[Path]:
    """The shared data sets when present, else telemetry generated under ``var/``."""
    cfg = settings()
    if cfg.shared_data_present():
        console.print(f"[bold]using the shared data in {cfg.data_dir}[/]")
        return [cfg.data_dir / name for name in SHARED_SETS if (cfg.data_dir / name).exists()]
    target = cfg.var_dir / "sample-telemetry"
    console.print(f"[bold]no shared data at {cfg.data_dir}; generating sample telemetry in {target}[/]")
    write_sample_telemetry(target)
    return [target]


@app.command("run")
def run_command() -> None:
    """Run the hub's main job: ingest the telemetry and print what happened."""
    cfg = settings()
    quarantine = Quarantine(cfg.var_dir / "quarantine")
    summary = run_ingest(telemetry_sources(), None, None, quarantine, show_progress=True)
    print_summary(summary)
    run_id = record_ingest(open_database(cfg.db_url), summary.as_dict(), quarantine.entries)
    console.print(f"run {run_id} recorded in {cfg.db_url}")
