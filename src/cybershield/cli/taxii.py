"""``cybershield taxii``: serve the hub's TAXII 2.1 server, sync with peers, hash account secrets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import typer
from rich.table import Table

from ..config import settings
from ..errors import ConfigurationError
from ..exchange import Exchange, TaxiiSettings, create_app, hash_secret, peer_links, serve
from ..intel import IntelStore, SharingPolicy
from .app import app, console

taxii_app = typer.Typer(help="TAXII 2.1: the hub's server and its exchange with peers.", no_args_is_help=True)
app.add_typer(taxii_app, name="taxii")
T = TypeVar("T")


def configured(read: Callable[[dict], T], config: dict, path: Path) -> T:
    """``read(config)``; a configuration it refuses (unknown collection, bad value) ends the command with
    the file and the reason instead of a traceback."""
    try:
        return read(config)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigurationError(f"{path}: {exc}") from None


@taxii_app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9000,
) -> None:
    """Serve the store over TAXII 2.1 to the accounts of the hub configuration."""
    cfg = settings()
    config = cfg.hub_config()
    taxii = configured(TaxiiSettings.from_config, config, cfg.hub_config_path)
    if not taxii.accounts:
        console.print(f"[yellow]no accounts in {cfg.hub_config_path}: every request will be refused (401)[/]")
    for collection in taxii.collections.values():
        console.print(f"collection {collection.name}: http://{host}:{port}/{taxii.api_root}/collections/{collection.id}/")
    policy = configured(SharingPolicy.from_config, config, cfg.hub_config_path)
    serve(create_app(IntelStore.open(cfg.db_url), policy, taxii), host, port)


@taxii_app.command("sync")
def sync_command(
    timeout: Annotated[float, typer.Option(help="Seconds before a peer's request times out.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the transfers as JSON.")] = False,
) -> None:
    """Pull from and push to every peer of the hub configuration, incrementally."""
    cfg = settings()
    config = cfg.hub_config()
    policy = configured(SharingPolicy.from_config, config, cfg.hub_config_path)
    exchange = Exchange(IntelStore.open(cfg.db_url), policy, timeout=timeout)
    transfers = exchange.sync(configured(peer_links, config, cfg.hub_config_path))
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
    secret = typer.prompt("secret", hide_input=True, confirmation_prompt=True, err=True)  # stdout: the hash only
    sys.stdout.write(hash_secret(secret) + "\n")
