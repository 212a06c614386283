"""``cybershield run``: the hub's main job on the embedded default (``make run``).

Intelligence is imported into the store; the telemetry is ingested and, batch by batch, goes
through the Sigma rules, the store's active indicators and (when one is registered) the flow
model; alerts land in ``var/alerts.jsonl`` and the hub database. With the shared data present it
works on the real data sets; without, on a generated day with its own rules and indicators.
"""

from __future__ import annotations

import time
from pathlib import Path

import orjson
from rich.table import Table

from ..config import Settings, settings
from ..detect import DetectRun, IndicatorDetector, build_detectors
from ..events import Quarantine
from ..exercise import SAMPLE_RULES, sample_indicators, write_sample_telemetry
from ..intel import IntelStore, import_file, rejections_by_reason
from ..storage import open_database, record_ingest, store_alerts
from .app import app, console
from .detect import detect_summary, print_detect_summary
from .ingest import print_summary, run_ingest
from .intel import print_rejections

#: The shared data sets the main job ingests when ``CYBERSHIELD_DATA`` holds them.
SHARED_SETS = ("evtx-attack-samples", "network-logs", "cicids2017", "netflow-v2")
#: Shared intelligence imported into the store: MISP events (CIRCL OSINT) and the OASIS STIX examples.
SHARED_INTEL = ("intel/misp/pymisp/tests/reportlab_testfiles", "intel/stix2.1/oasis-cti-stix2-json-schemas/examples")
SHARED_RULES = ("sigma/rules/windows",)
#: The flow model the main job scores with, when one of this name is registered (``cybershield model train``).
FLOW_MODEL = "flows"


def telemetry_sources(cfg: Settings) -> list[Path]:
    """The shared data sets when present, else telemetry generated under ``var/``."""
    if cfg.shared_data_present():
        console.print(f"[bold]using the shared data in {cfg.data_dir}[/]")
        return [cfg.data_dir / name for name in SHARED_SETS if (cfg.data_dir / name).exists()]
    target = cfg.var_dir / "sample-telemetry"
    console.print(f"[bold]no shared data at {cfg.data_dir}; generating sample telemetry in {target}[/]")
    write_sample_telemetry(target)
    return [target]


def intel_sources(cfg: Settings) -> list[Path]:
    """Shared MISP events and STIX examples when present, else the generated campaign's indicators."""
    if cfg.shared_data_present():
        return [p for name in SHARED_INTEL for p in sorted((cfg.data_dir / name).glob("*.json"))]
    path = cfg.var_dir / "sample-indicators.json"
    path.write_bytes(orjson.dumps(sample_indicators(), option=orjson.OPT_INDENT_2))
    return [path]


def rule_sources(cfg: Settings) -> list[Path]:
    """Our own rules, and SigmaHQ's Windows rules when the shared data has them."""
    shared = [cfg.data_dir / name for name in SHARED_RULES if (cfg.data_dir / name).is_dir()]
    return [SAMPLE_RULES, *shared]


def import_intel(store: IntelStore, paths: list[Path]) -> None:
    with console.status(f"importing intelligence ({len(paths)} files)", spinner="dots"):
        reports = [import_file(store, path) for path in paths]
    table = Table(title="intelligence imported into the store")
    for col in ("files", "stored", "updated", "unchanged", "rejected", "unreadable"):
        table.add_column(col, justify="right")
    counts = {s: sum(r.result.counts[s] for r in reports) for s in ("stored", "updated", "unchanged", "rejected")}
    table.add_row(f"{len(reports):,}", *(f"{counts[s]:,}" for s in counts), f"{sum(r.error is not None for r in reports):,}")
    console.print(table)
    print_rejections(rejections_by_reason(reports))


@app.command("run")
def run_command() -> None:
    """Run the hub's main job: import intelligence, ingest the telemetry, detect, store the alerts."""
    cfg = settings()
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    sessions = open_database(cfg.db_url)
    store = IntelStore.open(cfg.db_url)
    import_intel(store, intel_sources(cfg))
    model = FLOW_MODEL if _model_registered(cfg) else None
    with console.status("loading Sigma rules, indicators and models", spinner="dots"):
        detectors = build_detectors(rules=rule_sources(cfg), model=model)
        detectors.append(IndicatorDetector(store.active_indicators()))
    if model is None:
        console.print(f"no flow model named {FLOW_MODEL!r} yet: `cybershield model train --data FILE... "
                      f"--out {FLOW_MODEL}` adds one, and the main job scores flows with it from then on")
    quarantine = Quarantine(cfg.var_dir / "quarantine")
    started = time.perf_counter()
    with (cfg.var_dir / "alerts.jsonl").open("wb") as out:
        run = DetectRun(detectors, out)
        summary = run_ingest(telemetry_sources(cfg), None, None, quarantine, show_progress=True, consumer=run.batch)
        run.finish()
    stored = store_alerts(sessions, run.alerts) if run.alerts else 0
    print_summary(summary)
    print_detect_summary(detect_summary(run, time.perf_counter() - started, summary.quarantined, stored), run)
    run_id = record_ingest(sessions, summary.as_dict(), quarantine.entries)
    console.print(f"run {run_id} recorded in {cfg.db_url}; alerts in {cfg.var_dir / 'alerts.jsonl'}")


def _model_registered(cfg: Settings) -> bool:
    if not (cfg.var_dir / "models" / FLOW_MODEL).is_dir():
        return False  # no need to load the learning stack (seconds) to know that
    from ..learning import ModelRegistry

    return ModelRegistry(cfg.var_dir / "models").active_version(FLOW_MODEL) is not None
