"""The ``cybershield hub`` command group; each hub area (keys, serve, ...) adds its commands to ``hub_app``."""

import typer

from .app import app

hub_app = typer.Typer(help="One hub: its identity and keys, and the hub service.", no_args_is_help=True)
app.add_typer(hub_app, name="hub")
