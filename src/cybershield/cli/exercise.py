"""``cybershield exercise``: list the scenarios, write a scenario's telemetry, play it into a network."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress
from rich.table import Table

from ..config import settings
from .base import app, console

exercise_app = typer.Typer(help="Exercises: multi-country campaign scenarios played into a network of hubs.",
                           no_args_is_help=True)
app.add_typer(exercise_app, name="exercise")


def _scenario(name: str):
    from ..exercise import ScenarioError, load_scenario  # STIX, Arrow, the network: when a command runs

    try:
        return load_scenario(name)
    except ScenarioError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@exercise_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Name the shipped scenarios with their countries and stages."""
    from ..exercise import load_scenario, scenario_names

    scenarios = [load_scenario(name) for name in scenario_names()]
    rows = [{"name": s.name, "title": s.title, "countries": list(s.countries), "stages": len(s.stages),
             "hours": s.duration.total_seconds() / 3600} for s in scenarios]
    if as_json:
        print(orjson.dumps({"scenarios": rows}).decode())
        return
    table = Table(title="exercise scenarios")
    for column in ("name", "title", "countries", "stages", "hours"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["title"], " ".join(row["countries"]), str(row["stages"]), f"{row['hours']:g}")
    console.print(table)


@exercise_app.command("generate")
def generate_command(
    scenario: Annotated[str, typer.Option("--scenario", help="A shipped scenario's name or a scenario file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the telemetry: one file per country and format.")],
    seed: Annotated[int, typer.Option("--seed", help="The seed: the same seed gives the same telemetry.")] = 1,
    start: Annotated[str, typer.Option("--start", help="Scenario start (ISO 8601); default: now less the duration.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Write a scenario's telemetry as log files (what the collectors of each country would send)."""
    from ..exercise import build_feed
    from ..exercise.runner import default_start

    plan = _scenario(scenario)
    try:
        begin = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC) if start else None
    except ValueError:
        console.print(f"[red]--start {start!r} is not an ISO 8601 time[/]")
        raise typer.Exit(2) from None
    cfg = settings()
    feed = build_feed(plan, seed, begin or default_start(plan), cfg.data_dir if cfg.shared_data_present() else None)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for batch in feed.batches():
        name = f"{batch.country}-{batch.format}" + ("" if set(batch.labels) == {"background"} else "-attack")
        path = out / f"{name}.{'csv' if batch.format == 'cicflowmeter' else 'json'}"
        body = batch.body()
        if path.exists() and batch.format == "cicflowmeter":
            body = body.split(b"\n", 1)[1]  # one header per CSV file
        with path.open("ab") as handle:
            handle.write(body)
        counts[path.name] = counts.get(path.name, 0) + len(batch.records)
    summary = {"scenario": plan.name, "seed": seed, "start": feed.start.isoformat(), "files": counts,
               "infrastructure": {"c2_addresses": feed.infrastructure.c2_addresses,
                                  "domains": feed.infrastructure.domains, "payloads": feed.infrastructure.payloads}}
    if as_json:
        print(orjson.dumps(summary).decode())
        return
    table = Table(title=f"{plan.name} (seed {seed}) written to {out}")
    table.add_column("file")
    table.add_column("records", justify="right")
    for name, count in sorted(counts.items()):
        table.add_row(name, f"{count:,}")
    console.print(table)


@exercise_app.command("run")
def run_command(
    scenario: Annotated[str, typer.Option("--scenario", help="A shipped scenario's name or a scenario file.")],
    seed: Annotated[int, typer.Option("--seed", help="The seed: the same seed gives the same telemetry.")] = 1,
    speed: Annotated[float | None, typer.Option("--speed", help="Scenario seconds per second of play "
                                                "(default: the whole scenario in about two minutes).")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="A running network (network up) for the run "
                                                   "with sharing; default: start one.")] = None,
    report: Annotated[Path, typer.Option("--report", help="Folder for scorecard.json and report.html.")] = Path(
        "var/exercise"),
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Sigma rules for the hubs it starts.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as one JSON object.")] = False,
) -> None:
    """Play a scenario into a network with sharing, then again without (the control), and score both."""
    from ..exercise.report import write_report
    from ..exercise.runner import play
    from ..network.launcher import NetworkStartError

    plan = _scenario(scenario)
    cfg = settings()
    data = cfg.data_dir if cfg.shared_data_present() else None
    with tempfile.TemporaryDirectory(prefix="cybershield-exercise-") as work, Progress(console=console) as progress:
        tasks: dict[str, int] = {}

        def advance(run: str, done: int, total: int) -> None:
            if run not in tasks:
                tasks[run] = progress.add_task(f"{run.replace('_', ' ')}: playing", total=total)
            progress.update(tasks[run], completed=done)

        try:
            scorecard = play(plan, seed, speed=speed, workdir=Path(work), network_dir=directory, data_dir=data,
                             rules=rules, on_stage=lambda run, what: progress.console.print(f"{run}: {what}"),
                             on_progress=advance)
        except (NetworkStartError, ValueError, FileNotFoundError) as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
    page = write_report(scorecard, report)
    (report / "scorecard.json").write_bytes(orjson.dumps(scorecard, option=orjson.OPT_INDENT_2))
    if as_json:
        print(orjson.dumps(scorecard).decode())
    else:
        print_scorecard(scorecard)
    console.print(f"report: {page}")


def print_scorecard(scorecard: dict) -> None:
    """The stages of each run side by side, and the totals."""
    runs = scorecard["runs"]
    table = Table(title=f"exercise {scorecard['scenario']} (seed {scorecard['seed']})")
    table.add_column("country")
    table.add_column("stage")
    table.add_column("started")
    for name in runs:
        table.add_column(name.replace("_", " "))
    first = next(iter(runs.values()))
    for i, stage in enumerate(first["stages"]):
        cells = []
        for run in runs.values():
            s = run["stages"][i]
            cells.append("[green]prevented[/]" if s["prevented"] else "[yellow]detected[/]" if s["detected"]
                         else "[red]missed[/]")
        table.add_row(stage["country"], stage["stage"], stage["started"][5:16].replace("T", " "), *cells)
    table.add_section()
    table.add_row("", "prevented / detected", "", *(f"{r['prevented']} / {r['detected']} of {len(r['stages'])}"
                                                    for r in runs.values()))
    table.add_row("", "false alerts / background", "", *(f"{r['false_alerts']} / {r['background_events']:,}"
                                                         for r in runs.values()))
    table.add_row("", "warning lead times", "", *(", ".join(f"{t / 3600:.1f} h" for t in r["warning_lead_times_s"])
                                                  or "none" for r in runs.values()))
    console.print(table)
