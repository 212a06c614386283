"""``cybershield pqc``: the post-quantum readiness inventory, its trend, and the cross-country roll-up."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..config import secret_from_env, settings
from .base import app, console

if TYPE_CHECKING:
    from ..events import FormatStats
    from ..pqc import Inventory

pqc_app = typer.Typer(help="Post-quantum readiness: inventory from TLS/SSH handshakes, CBOM, trend, sharing.",
                      no_args_is_help=True)
app.add_typer(pqc_app, name="pqc")


def _sessions():
    from ..storage import open_database

    config = settings()
    config.var_dir.mkdir(parents=True, exist_ok=True)
    return open_database(config.db_url)


def _print_json(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")


def _print_inventory(inventory: Inventory) -> None:
    from ..pqc import STATUSES

    summary = inventory.summary
    table = Table(title="post-quantum readiness")
    table.add_column("status")
    table.add_column("endpoints", justify="right")
    table.add_column("handshakes", justify="right")
    for status in STATUSES:
        table.add_row(status, f"{summary['by_status'][status]:,}", f"{summary['handshakes']['by_status'][status]:,}")
    table.add_row("total", f"{summary['endpoints']:,}", f"{summary['handshakes']['read']:,}", style="bold")
    console.print(table)
    top = Table(title="migrate first")
    for col in ("priority", "deadline", "status", "endpoint", "constituent", "connections", "reason"):
        top.add_column(col, overflow="fold")
    for e in inventory.endpoint_frame().head(15).iter_rows(named=True):
        top.add_row(str(e["priority"]["score"]), e["priority"]["deadline"] or "-", e["status"],
                    f"{e['address']}:{e['port']}/{e['service']}", e["constituent"] or "-", f"{e['connections']:,}",
                    (e["reasons"] or [""])[0][:90])
    console.print(top)
    for c in inventory.constituents:
        console.print(f"{c['name']} ({c['sector'] or '-'}): {c['endpoints']} endpoints, priority {c['priority']}, "
                      f"deadline {c['deadline'] or '-'}")
    hs = summary["handshakes"]
    console.print(f"handshakes read {hs['read']:,} = classified {hs['classified']:,} + unknown {hs['unknown']:,}")


@pqc_app.command("inventory")
def inventory_command(
    paths: Annotated[list[Path], typer.Argument(help="Zeek ssl/x509/ssh logs (JSON or TSV), Suricata EVE, or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {endpoints, constituents, summary} as JSON.")] = False,
    cbom: Annotated[Path | None, typer.Option("--cbom", help="Write a CycloneDX 1.6 CBOM (JSON) to this file.")] = None,
    html_dir: Annotated[Path | None, typer.Option("--html", help="Write an HTML report with a chart here.")] = None,
    constituents_file: Annotated[Path | None, typer.Option(
        "--constituents", help="YAML: constituents: {name: {networks, sector, sensitivity, entity_type}}, "
                               "completing the hub configuration's constituents.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Store the weekly snapshots for `pqc trend`.")] = False,
    readiness: Annotated[Path | None, typer.Option(
        "--readiness", help="Write the anonymised readiness summary (counts only) to this JSON file.")] = None,
    country: Annotated[str, typer.Option("--country", help="Country code for --readiness.")] = "XX",
) -> None:
    """Inventory the cryptography of every TLS and SSH endpoint seen, classify it, and prioritise migration."""
    from ..events import Quarantine
    from ..hub import HubError, load_hub_config  # the hub, Polars, the CBOM: when a command runs
    from ..pqc import (
        ConstituentsError,
        cbom_json,
        load_constituents,
        read_inventory,
        readiness_summary,
        record_snapshots,
        weekly,
        write_report,
    )

    try:
        hub = load_hub_config(settings().hub_config_path)
        known = {c.name: c.profile() for c in hub.constituents.values()}
        constituents = load_constituents(constituents_file, known)
    except (ConstituentsError, HubError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    with Progress(TextColumn("[bold]pqc"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, disable=as_json) as progress:
        task = progress.add_task("reading", total=None)

        def on_file(path: Path, stats: FormatStats) -> None:
            progress.update(task, advance=1, description=f"{path.name}: {stats.parsed:,} events")

        inventory = read_inventory(paths, constituents, Quarantine(None), on_file=on_file)
    for out in (cbom, readiness):
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
    if cbom:
        cbom.write_text(cbom_json(inventory), encoding="utf-8")
    if html_dir:
        report = write_report(inventory, html_dir)
        console.print(f"report: {report}")
    if readiness:
        readiness.write_bytes(orjson.dumps(readiness_summary(inventory, country), option=orjson.OPT_INDENT_2))
    if record:
        stored = record_snapshots(_sessions(), weekly(inventory))
        console.print(f"recorded {stored} weekly snapshot rows")
    if as_json:
        sys.stdout.write(inventory.as_json().decode() + "\n")
    else:
        _print_inventory(inventory)
    if inventory.summary["handshakes"]["read"] == 0:
        console.print("[red]no TLS or SSH handshake found in the input[/]")
        raise typer.Exit(1)


@pqc_app.command("trend")
def trend_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the weeks as JSON.")] = False,
    sector: Annotated[str | None, typer.Option("--sector", help="Only this sector ('' for unassigned).")] = None,
) -> None:
    """Endpoints and connections by status per week, from the snapshots `pqc inventory --record` stored."""
    from ..pqc import STATUSES, read_trend

    weeks = read_trend(_sessions(), sector)
    if as_json:
        _print_json({"weeks": weeks})
        return
    table = Table(title="post-quantum readiness by week (endpoints)")
    table.add_column("week")
    for status in STATUSES:
        table.add_column(status, justify="right")
    table.add_column("protected (pq+hybrid) share of connections", justify="right")
    for w in weeks:
        table.add_row(w["week"], *(f"{w['endpoints'][s]:,}" for s in STATUSES),
                      f"{w['connections_protected_share']:.1%}")
    console.print(table)
    if not weeks:
        console.print("no snapshots yet: run `cybershield pqc inventory ... --record`")


HubUser = Annotated[str, typer.Option("--user", help="The account to log in to the hub as.")]
PasswordEnv = Annotated[str, typer.Option("--password-env", help="The variable holding that account's password.")]


def _call_hub(method: str, url: str, path: str, user: str, password_env: str, **params) -> dict:
    """One JSON request to a hub's API; exit 2 with the hub's reason when it fails or refuses."""
    import httpx

    password = secret_from_env(password_env)
    if not password:
        console.print(f"[red]set {password_env} to the password of {user} at {url}[/]")
        raise typer.Exit(2)
    try:
        response = httpx.request(method, url.rstrip("/") + path, auth=(user, password), params=params, timeout=30)
    except httpx.HTTPError as exc:
        console.print(f"[red]{url}: {type(exc).__name__}: {exc}[/]")
        raise typer.Exit(2) from None
    if not response.is_success:
        console.print(f"[red]{url}: HTTP {response.status_code}: {response.text[:500]}[/]")
        raise typer.Exit(2)
    return response.json()


@pqc_app.command("share")
def share_command(
    hub: Annotated[str, typer.Option("--hub", help="The national hub's URL (http://127.0.0.1:8400).")],
    user: HubUser = "operator",
    password_env: PasswordEnv = "CYBERSHIELD_HUB_PASSWORD",
    as_json: Annotated[bool, typer.Option("--json", help="Print the hub's answer as JSON.")] = False,
) -> None:
    """Have a national hub send its anonymised readiness summaries to its cross-border hubs now (right admin)."""
    answer = _call_hub("POST", hub, "/api/v1/pqc/readiness/share", user, password_env)
    if as_json:
        _print_json(answer)
        return
    for item in answer["queued"]:
        console.print(f"{answer['hub']} -> {item['hub']}: week of {item['period']}, {item['endpoints']:,} endpoints")
    if not answer["queued"]:
        console.print(f"nothing to share: {answer['hub']} has recorded no handshakes yet "
                      f"(or shares with no cross-border hub: {', '.join(answer['recipients']) or 'none'})")


@pqc_app.command("rollup")
def rollup_command(
    files: Annotated[list[Path] | None, typer.Argument(help="Readiness summaries (JSON) of national hubs.")] = None,
    hub: Annotated[str | None, typer.Option("--hub", help="A cross-border hub's URL (http://127.0.0.1:8400).")] = None,
    period: Annotated[str | None, typer.Option("--period", help="With --hub: the week (its Monday, YYYY-MM-DD); "
                                                                "default the newest.")] = None,
    user: HubUser = "operator",
    password_env: PasswordEnv = "CYBERSHIELD_HUB_PASSWORD",
    as_json: Annotated[bool, typer.Option("--json", help="Print the roll-up as JSON.")] = False,
) -> None:
    """Roll anonymised readiness summaries of several countries up into one picture: from files, or what a
    cross-border hub (--hub) holds from its members."""
    from ..pqc import STATUSES, ReadinessError, rollup

    if bool(files) == bool(hub):
        console.print("[red]give summary files or --hub, not both[/]" if files else "[red]give summary files or --hub[/]")
        raise typer.Exit(2)
    if hub:
        picture = _call_hub("GET", hub, "/api/v1/pqc/readiness", user, password_env,
                            **({"period": period} if period else {}))
    else:
        try:
            picture = rollup([orjson.loads(f.read_bytes()) for f in files])
        except (OSError, orjson.JSONDecodeError, ReadinessError) as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
    if as_json:
        _print_json(picture)
        return
    week = f", week of {picture['period']}" if picture.get("period") else ""
    table = Table(title=f"post-quantum readiness across {', '.join(picture['countries']) or 'no country'}{week}")
    table.add_column("country")
    for status in STATUSES:
        table.add_column(status, justify="right")
    table.add_column("protected share", justify="right")
    table.add_column("of connections", justify="right")
    for country, c in picture["by_country"].items():
        table.add_row(country, *(f"{c['endpoints'][s]:,}" for s in STATUSES), f"{c['protected_share']:.1%}",
                      f"{c['connections_protected_share']:.1%}")
    table.add_row("all", *(f"{picture['endpoints'][s]:,}" for s in STATUSES), f"{picture['protected_share']:.1%}",
                  f"{picture['connections_protected_share']:.1%}", style="bold")
    console.print(table)
    if picture.get("missing"):
        console.print(f"no summary yet from: {', '.join(picture['missing'])}")
