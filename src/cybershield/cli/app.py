"""The typer application and the rich console every command shares."""

import typer
from rich.console import Console

app = typer.Typer(
    name="cybershield",
    help="cybershield: a national or cross-border SOC hub of the European cyber shield.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)
