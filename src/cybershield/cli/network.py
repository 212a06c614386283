"""``cybershield network``: start, inspect and stop a network of hubs on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress
from rich.table import Table

from .base import app, console

network_app = typer.Typer(help="A network of national and cross-border hubs on 127.0.0.1.", no_args_is_help=True)
app.add_typer(network_app, name="network")

Folder = Annotated[Path, typer.Option("--dir", help="The network's folder (network.json, one folder per hub).")]


@network_app.command("up")
def up_command(
    directory: Folder,
    hubs: Annotated[int, typer.Option("--hubs", help="National hubs (countries DE, FR, NL, BE, AT, ...).")] = 4,
    cross_border: Annotated[int, typer.Option("--cross-border", help="Cross-border hubs (3 members or more each).")] = 1,
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Sigma rules for every hub (default: the "
                                                     "hub's own, and SigmaHQ's Windows rules with the shared data).")] = None,
    no_sharing: Annotated[bool, typer.Option("--no-sharing", help="Start the hubs outside any network.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print network.json.")] = False,
) -> None:
    """Start the hubs, each its own process with its own database, keys and port; returns once all are healthy."""
    from ..network.launcher import NetworkStartError, Plan, start_network, status  # the hubs: when it runs

    try:
        plan = Plan.of_size(hubs, cross_border)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if (directory / "network.json").is_file() and any(h["running"] for h in status(directory)):
        console.print(f"[red]a network is already running in {directory}: `cybershield network down --dir {directory}`[/]")
        raise typer.Exit(2)
    total = len(plan.national) + len(plan.cross_border)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("starting hubs", total=total)
        try:
            listed = start_network(directory, plan, sharing=not no_sharing, rules=rules,
                                   on_ready=lambda name: progress.advance(task))
        except NetworkStartError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    if as_json:
        print(orjson.dumps({"hubs": listed}).decode())
        return
    _table(listed, f"network up in {directory} (network.json has the operator logins)")


@network_app.command("status")
def status_command(directory: Folder,
                   as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Each hub: its process, its health and its counters."""
    from ..network.launcher import status

    try:
        rows = status(directory)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]no network in {directory}: {exc}[/]")
        raise typer.Exit(2) from None
    if as_json:
        print(orjson.dumps({"hubs": rows}).decode())
        return
    table = Table(title=f"network in {directory}")
    for column in ("hub", "country", "role", "url", "state", "events", "alerts", "sent", "received", "rejected",
                   "warnings"):
        table.add_column(column)
    for row in rows:
        counters = (row["health"] or {}).get("counters", {})
        state = "healthy" if row["health"] else "running, not answering" if row["running"] else "[red]down[/]"
        table.add_row(row["name"], row["country"], row["role"], row["url"], state,
                      *(str(counters.get(k, "-")) for k in ("events", "alerts_stored", "envelopes_sent",
                                                             "envelopes_received", "envelopes_rejected", "warnings")))
    console.print(table)


@network_app.command("campaigns")
def campaigns_command(
    directory: Folder,
    hub: Annotated[str | None, typer.Option("--hub", help="Only this cross-border hub.")] = None,
    attribute: Annotated[bool, typer.Option("--attribute", help="Rank intrusion sets for each (ATT&CK data).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The campaigns across countries each cross-border hub clustered from its members' shared incidents."""
    from ..network.launcher import network_campaigns

    try:
        found = network_campaigns(directory, hub, attribute)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if as_json:
        print(orjson.dumps({"campaigns": found}).decode())
        return
    table = Table(title=f"campaigns in {directory}")
    for column in ("hub", "campaign", "countries", "severity", "incidents", "first seen", "last seen", "linked by"):
        table.add_column(column)
    for name, listed in found.items():
        for c in listed:
            table.add_row(name, c["id"], ", ".join(c["countries"]), c["severity"], str(len(c["incidents"])),
                          c["first_seen"][:19], c["last_seen"][:19], ", ".join(sorted({link["by"] for link in c["links"]})))
    console.print(table)


@network_app.command("down")
def down_command(directory: Folder) -> None:
    """Stop every hub of the network (SIGTERM, then SIGKILL after 15 s)."""
    from ..network.launcher import stop_network

    try:
        running = stop_network(directory)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]no network in {directory}: {exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"stopped {running} hub(s) of {directory}")


def _table(hubs: list[dict], title: str) -> None:
    table = Table(title=title)
    for column in ("hub", "country", "role", "url", "pid"):
        table.add_column(column)
    for hub in hubs:
        table.add_row(hub["name"], hub["country"], hub["role"], hub["url"], str(hub["pid"]))
    console.print(table)
