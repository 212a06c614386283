"""``cybershield taxii``: serve the hub's TAXII 2.1 server, sync with peers, hash account secrets."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.table import Table

from .. import logs
from ..config import settings
from .base import app, console
from .hub import hub_config_or_exit

taxii_app = typer.Typer(help="TAXII 2.1: the hub's server and its exchange with peers.", no_args_is_help=True)
app.add_typer(taxii_app, name="taxii")


@taxii_app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9000,
) -> None:
    """Serve the store over TAXII 2.1 to the accounts of the hub configuration."""
    from ..exchange import create_app, serve  # FastAPI and the store load only when a command runs
    from ..intel import IntelStore

    logs.for_service()
    cfg = settings()
    config = hub_config_or_exit()
    taxii = config.taxii_settings()
    if not taxii.accounts:
        console.print(f"[yellow]no accounts in {cfg.hub_config_path}: every request will be refused (401)[/]")
    for collection in taxii.collections.values():
        console.print(f"collection {collection.name}: http://{host}:{port}/{taxii.api_root}/collections/{collection.id}/")
    serve(create_app(IntelStore.open(cfg.db_url), config.sharing_policy(), taxii), host, port)


@taxii_app.command("sync")
def sync_command(
    timeout: Annotated[float, typer.Option(help="Seconds before a peer's request times out.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the transfers as JSON.")] = False,
) -> None:
    """Pull from and push to every peer of the hub configuration, incrementally."""
    from ..exchange import Exchange
    from ..intel import IntelStore

    config = hub_config_or_exit()
    exchange = Exchange(IntelStore.open(settings().db_url), config.sharing_policy(), timeout=timeout)
    transfers = exchange.sync(config.peer_links())
    if as_json:
        sys.stdout.write(orjson.dumps([t.__dict__ for t in transfers]).decode() + "\n")
    else:
        table = Table(title="taxii sync")
        for column in ("peer", "direction", "collection", "objects", "outcome"):
            table.add_column(column)
        for t in transfers:
            outcome = f"[red]{t.error}[/]" if t.error else ", ".join(f"{k} {v:,}" for k, v in t.counts.items())
            if t.withheld:
                outcome += f", withheld {t.withheld:,}"
            table.add_row(t.peer, t.direction, t.collection, f"{t.objects:,}", outcome or "-")
        console.print(table)
    if any(t.error for t in transfers):
        raise typer.Exit(1)


@taxii_app.command("hash-secret")
def hash_secret_command() -> None:
    """Hash an account secret for the hub configuration (``peers.<name>.secret``)."""
    from ..exchange import hash_secret

    secret = typer.prompt("secret", hide_input=True, confirmation_prompt=True, err=True)  # stdout: the hash only
    sys.stdout.write(hash_secret(secret) + "\n")
