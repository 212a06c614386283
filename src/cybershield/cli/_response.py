"""What the incident, reserve and attribute commands share: the service, errors as exit code 2, JSON output."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import orjson
import typer
from rich.table import Table

from ..config import settings
from ..response import ResponseError
from .base import console

if TYPE_CHECKING:
    from ..response import ResponseService


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """A :class:`ResponseError` becomes its message on standard error and exit code 2."""
    try:
        yield
    except ResponseError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(exc.exit_code) from None


def service() -> ResponseService:
    from ..response import ResponseService  # with the hub, STIX and the store: when a command runs

    return ResponseService.from_settings(settings())


def emit(data: object) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")


def split_list(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated option values as one list."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def print_ranking(ranking: dict) -> None:
    table = Table(title="attribution (ATT&CK intrusion sets)")
    for column in ("#", "group", "name", "score", "confidence", "strongest evidence"):
        table.add_column(column)
    for i, c in enumerate(ranking["candidates"], start=1):
        best = ", ".join(f"{e.get('technique') or e.get('software')} ({e['via'][0]})" for e in c["evidence"][:3])
        table.add_row(str(i), c["id"], c["name"], f"{c['score']:.2f}", f"{c['confidence']:.1%}", best)
    console.print(table)
    if ranking.get("unknown"):
        console.print(f"[yellow]not in ATT&CK, ignored:[/] {', '.join(ranking['unknown'])}")
