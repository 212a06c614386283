"""``cybershield demo`` (``make run``): the whole system at work on this machine.

Five national hubs and one cross-border hub start on 127.0.0.1 (SQLite, in-process queues), the default
scenario is replayed into them at accelerated speed, and the cross-border hub's dashboard is at
http://127.0.0.1:8000. With the shared data, every hub also scores flows with a model (trained once at the
first start from CIC-IDS2017 and kept in ``var/models``). ``--once`` plays the scenario with sharing and
again without it (the control), prints the scorecard and exits; without it, the network stays up for the
dashboard until Ctrl-C. ``cybershield run`` is the single-hub batch job.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress

from ..config import settings
from .base import app, console
from .exercise import print_scorecard

DEFAULT_SCENARIO = "ransomware-hospitals"


@app.command("demo")
def demo_command(
    once: Annotated[bool, typer.Option("--once", help="Play with and without sharing, print the scorecard, exit.")] = False,
    scenario: Annotated[str, typer.Option("--scenario", help="The scenario to play.")] = DEFAULT_SCENARIO,
    seed: Annotated[int, typer.Option("--seed", help="The scenario's seed.")] = 1,
    speed: Annotated[float | None, typer.Option("--speed", help="Scenario seconds per second (default: about two "
                                                "minutes for the whole scenario).")] = None,
    port: Annotated[int, typer.Option("--port", help="The dashboard's port (the cross-border hub).")] = 8000,
) -> None:
    """Start a network of hubs, replay a campaign across countries into it, and score what sharing bought."""
    from ..exercise import ScenarioError, load_scenario  # the hubs' code: when the command runs
    from ..exercise.report import write_report
    from ..exercise.runner import play
    from ..network.launcher import NetworkStartError, stop_pids

    try:
        plan = load_scenario(scenario)
    except ScenarioError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    cfg = settings()
    cross_border = next(iter(plan.cross_border))
    console.print(f"[bold]dashboard: http://127.0.0.1:{port}/[/] (cross-border hub {cross_border}, once the hubs are up)")
    data = cfg.data_dir if cfg.shared_data_present() else None
    models = _flow_model(cfg.var_dir, data)
    shared = {"cache": cfg.var_dir / "cache"} | ({"models": models} if models else {})  # one rule cache, one model
    report = cfg.var_dir / "exercise"
    work = Path(tempfile.mkdtemp(prefix="cybershield-demo-"))
    with Progress(console=console) as progress:
        tasks: dict[str, int] = {}

        def advance(run: str, done: int, total: int) -> None:
            if run not in tasks:
                tasks[run] = progress.add_task(f"{run.replace('_', ' ')}: replaying {plan.name}", total=total)
            progress.update(tasks[run], completed=done)

        try:
            scorecard = play(plan, seed, speed=speed, workdir=work, data_dir=data, keep_running=not once,
                             runs=("sharing", "no_sharing"), ports={cross_border: port}, shared=shared,
                             on_stage=lambda run, what: progress.console.print(f"{run.replace('_', ' ')}: {what}"),
                             on_progress=advance)
        except NetworkStartError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    running = scorecard.pop("running", None)
    page = write_report(scorecard, report)
    (report / "scorecard.json").write_bytes(orjson.dumps(scorecard, option=orjson.OPT_INDENT_2))
    print_scorecard(scorecard)
    console.print(f"report: {page}; hubs' folders under {work}")
    if once or not running:
        return
    console.print(f"[bold]the network is up: http://127.0.0.1:{port}/[/]; Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping the hubs")
    finally:
        stop_pids([h["pid"] for h in running], timeout=10)


def _flow_model(var: Path, data: Path | None) -> Path | None:
    """The model registry every hub uses; a model is trained into it at the first start when there is data."""
    from ..hub import FLOW_MODEL

    registry = var / "models"
    if (registry / FLOW_MODEL).is_dir():
        return registry
    flows = data / "cicids2017" / "train.csv.gz" if data else None
    if flows is None or not flows.is_file():
        console.print("no flow model and no CIC-IDS2017 data to train one: the hubs detect with rules and indicators")
        return registry if registry.is_dir() else None
    with console.status("training the flow model once (CIC-IDS2017, 1,500 flows per class); later runs reuse it"):
        done = subprocess.run([sys.executable, "-m", "cybershield", "model", "train", "--data", str(flows), "--out",
                               FLOW_MODEL, "--max-per-class", "1500", "--holdout", "0", "--registry", str(registry),
                               "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        console.print(f"[yellow]the flow model could not be trained ({done.stderr.strip()[-300:]}); "
                      "the hubs detect with rules and indicators[/]")
        return None
    return registry
