"""The typer application, its global options (``--version``, ``-v``, ``--log-json``) and the rich console
every command shares."""

from importlib.metadata import version
from typing import Annotated

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from .. import logs
from ..errors import CybershieldError


class _Commands(typer.core.TyperGroup):
    """The command tree: a :class:`CybershieldError` from any command ends it with its message and exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CybershieldError as exc:
            console.print(f"[red]{escape(exc.message)}[/]")
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Commands,
    name="cybershield",
    help="cybershield: a national or cross-border SOC hub of the European cyber shield.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "Path": "PATH", "datetime": "DATETIME"}


def _value_name(param, ctx) -> str | None:
    """What an option takes, as click writes it (TEXT, INTEGER, PATH..., [stix|misp]; nothing for a flag).

    Typer 0.29 writes the Python annotation instead (``<bool>``, ``<list[Path]>``); tests/test_cli_help.py
    renders every command's help to check this stays so."""
    if param.metavar is not None:
        return param.metavar
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    label = param.display_type(ctx)[1:-1]  # typer's "<list[Path]>"
    repeated = label.startswith("list[")
    label = label.removeprefix("list[").removesuffix("]") if repeated else label
    name = _NAMES.get(label, f"[{label}]" if "|" in label else label.upper())
    return name + ("..." if repeated or param.nargs != 1 else "")


typer.core.TyperOption.display_type_rich = _value_name
typer.core.TyperArgument.display_type_rich = _value_name


def _print_version(value: bool) -> None:
    if value:
        print(f"cybershield {version('cybershield')}")
        raise typer.Exit()


@app.callback()
def global_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="Log what happens: -v for INFO, -vv for DEBUG "
                                              "(default: CYBERSHIELD_LOG_LEVEL, else WARNING).")] = 0,
    log_json: Annotated[bool | None, typer.Option("--log-json/--log-text",
                                                  help="Log one JSON object a line (default: CYBERSHIELD_LOG_JSON)."
                                                  )] = None,
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print the version and exit.")] = False,
) -> None:
    """cybershield: a national or cross-border SOC hub of the European cyber shield."""
    logs.configure(verbose, log_json)
