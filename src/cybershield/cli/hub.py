"""``cybershield hub``: run a hub as a service (the JSON API, ingest and TAXII 2.1 on one port)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.table import Table

from .. import logs
from ..config import settings
from .base import app, console

if TYPE_CHECKING:
    from ..hub import HubConfig, HubService

hub_app = typer.Typer(help="A hub as a service: ingest, detection, alerts, warnings and TAXII on one port.",
                      no_args_is_help=True)
app.add_typer(hub_app, name="hub")


def hub_config_or_exit(path: Path | None = None) -> HubConfig:
    """The hub configuration (``path``, else ``$CYBERSHIELD_HUB_CONFIG``, else var/hub.yaml); a bad one
    is printed and exits with code 2."""
    from ..hub import HubError, load_hub_config  # with FastAPI, DuckDB, Polars: when a command runs

    try:
        return load_hub_config(path or settings().hub_config_path)
    except HubError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(exc.exit_code) from None


@hub_app.command("serve")
def serve_command(
    config: Annotated[Path | None, typer.Option("--config", help="Hub configuration (YAML); default "
                                                "$CYBERSHIELD_HUB_CONFIG, else var/hub.yaml.")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: service.host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: service.port, 8400).")] = None,
) -> None:
    """Serve the hub: POST /api/v1/ingest, GET /api/v1/alerts, /api/v1/warnings, /api/v1/health, TAXII 2.1."""
    from ..hub import HubContext, HubError, serve
    from ..web import create_app

    logs.for_service()
    cfg = settings()
    hub_config = hub_config_or_exit(config)
    try:
        serve(lambda: HubContext.open(cfg, hub_config), host or hub_config.host, port or hub_config.port, create_app,
              on_ready=_ready)
    except HubError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(exc.exit_code) from None


def _ready(service: HubService, url: str) -> None:
    config = service.config
    if not config.logins:
        console.print("[yellow]no accounts in the hub configuration: every request but /api/v1/health is refused (401)[/]")
    console.print(f"hub [bold]{config.name}[/] ({config.country or 'no country'}, {config.role}) on {url}: "
                  f"{url}/api/v1/health, TAXII at {url}/taxii2/")


@hub_app.command("check")
def check_command(
    config: Annotated[Path | None, typer.Option("--config", help="Hub configuration (YAML); default "
                                                "$CYBERSHIELD_HUB_CONFIG, else var/hub.yaml.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the configuration as one JSON object.")] = False,
) -> None:
    """Check the hub configuration and show what it sets (no secrets); a bad one exits with code 2."""
    described = hub_config_or_exit(config).describe()
    if as_json:
        typer.echo(orjson.dumps(described).decode())
        return
    console.print(f"hub [bold]{described['name']}[/] ({described['country'] or 'no country'}, {described['role']}), "
                  f"default TLP:{described['default_tlp']}, {described['timezone']}, "
                  f"{described['service']['host']}:{described['service']['port']}")
    table = Table(title="logins")
    for column in ("name", "kind", "rights", "TAXII read", "TAXII write", "can log in"):
        table.add_column(column)
    for kind in ("peers", "constituents", "accounts"):
        for name, entry in described[kind].items():
            table.add_row(name, kind.rstrip("s"), ", ".join(entry["rights"]) or "-", ", ".join(entry["read"]) or "-",
                          ", ".join(entry["write"]) or "-", "yes" if entry["can_log_in"] else "[yellow]no secret[/]")
    console.print(table)
    console.print(f"archive: {described['archive']['retention_days']} days; ingest bodies up to "
                  f"{described['ingest']['max_body_bytes']:,} bytes; collections: "
                  f"{', '.join(described['taxii']['collections'])}")
