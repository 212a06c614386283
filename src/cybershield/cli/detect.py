"""``cybershield detect``: run Sigma rules (and indicators, models) over logs; alerts as JSON lines."""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.table import Table

from ..config import Settings, settings
from ..errors import CybershieldError
from .base import app, console
from .ingest import run_ingest

if TYPE_CHECKING:
    from ..detect import DetectRun


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


#: Events detected over at once, and the most lines a block of a file holds (a block is decoded whole):
#: wide Windows events cost about 10 KB each while a batch is decoded and detected, so the batch sets the
#: peak memory (over the 120,000 events of bench/detect_sigma.py: 470 MB at 8,000, 500 at 10,000, 600 at
#: 20,000) and, against it, the speed (the decoding costs about the same per kind of event in a block).
DETECT_BATCH = 8_000


def rule_cache_dir(cfg: Settings) -> Path:
    """Where compiled Sigma rules are cached: ``<CYBERSHIELD_VAR>/cache/sigma``."""
    return cfg.var_dir / "cache" / "sigma"


def _placeholders(path: Path | None, cfg: Settings) -> dict[str, list[str]]:
    """Placeholder values from ``--placeholders``, else from the hub configuration (``sigma.placeholders``)."""
    if path is not None:
        from ..detect.sigma import load_placeholders

        return load_placeholders(path)
    if not cfg.hub_config_path.is_file():
        return {}
    from ..hub import load_hub_config  # only with a hub configuration: the hub package is heavy to load

    config = load_hub_config(cfg.hub_config_path)
    return {name: list(values) for name, values in config.sigma.placeholders.items()}


@app.command("detect")
def detect_command(
    paths: Annotated[list[Path], typer.Argument(help="Log files or folders (walked recursively).")],
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Sigma rule folder or file (repeatable).")] = None,
    indicators: Annotated[list[Path] | None, typer.Option("--indicators", help="Indicator file: STIX 2.1 bundle, MISP JSON, CSV (repeatable).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Name of a registered model to score events with.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write one JSON line per alert to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Compile the Sigma rules afresh, without the rule cache.")] = False,
    placeholders: Annotated[Path | None, typer.Option(
        "--placeholders", help="YAML mapping of Sigma placeholder names to values (default: the hub configuration's "
                               "sigma.placeholders; a placeholder without a value matches anything).")] = None,
) -> None:
    """Detect attacks in logs with Sigma rules (plus indicators, models); alerts go to --out and the hub database."""
    from ..detect import DetectRun, build_detectors  # pySigma, STIX, the models: when a command runs
    from ..events import Quarantine
    from ..storage import open_database, store_alerts

    if not (rules or indicators or model):
        console.print("[red]nothing to detect with[/]: give --rules, --indicators or --model")
        raise typer.Exit(2)
    cfg = settings()
    try:
        with nullcontext() if as_json else console.status("loading detectors", spinner="dots"):
            values = _placeholders(placeholders, cfg) if rules else {}
            detectors = build_detectors(rules, indicators, model, placeholders=values or None,
                                        rule_cache=None if no_cache else rule_cache_dir(cfg))
    except (CybershieldError, ValueError) as exc:  # a missing rule path, a bad hub configuration
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
    stream = out.open("wb") if out else None
    started = time.perf_counter()
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    sessions = open_database(cfg.db_url)
    stored = 0

    def store(alerts: list, _batch=None) -> None:  # alerts are stored as they come, never held for the end
        nonlocal stored
        stored += store_alerts(sessions, alerts)

    try:
        run = DetectRun(detectors, stream, DETECT_BATCH, sink=store)
        ingested = run_ingest(paths, None, None, Quarantine(), show_progress=not as_json, consumer=run.batch,
                              batch_size=DETECT_BATCH)
        run.finish()
    finally:
        if stream:
            stream.close()
    seconds = time.perf_counter() - started
    summary = detect_summary(run, seconds, ingested.quarantined, stored)
    if as_json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    else:
        print_detect_summary(summary, run)
    if ingested.parsed == 0:
        console.print("[red]no events could be read[/]")
        raise typer.Exit(1)


cache_app = typer.Typer(help="The compiled Sigma rule cache (under CYBERSHIELD_VAR/cache/sigma).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("clear")
def cache_clear(as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False) -> None:
    """Delete every compiled rule file of the cache; the next run compiles the rules afresh."""
    from ..detect.sigma import clear

    folder = rule_cache_dir(settings())
    removed = clear(folder)
    if as_json:
        sys.stdout.write(orjson.dumps({"folder": str(folder), "entries_removed": removed}).decode() + "\n")
    else:
        console.print(f"removed {removed:,} compiled rule files from {folder}")
