"""``cybershield attribute``: rank ATT&CK intrusion sets by observed techniques and software."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from ..config import settings
from ..response import ResponseError
from ._response import emit, handled, print_ranking, split_list
from .base import app, console


@app.command("attribute")
def attribute_command(
    techniques: Annotated[list[str] | None, typer.Option("--techniques", help="ATT&CK technique ids, comma-separated "
                                                         "(e.g. T1566.001,T1059.001).")] = None,
    software: Annotated[list[str] | None, typer.Option("--software", help="ATT&CK software ids or names.")] = None,
    top: Annotated[int, typer.Option("--top", help="How many candidates.")] = 5,
    batch: Annotated[Path | None, typer.Option("--batch", help="One case a line: {\"techniques\": [...], "
                                               "\"software\": [...]}; one ranking a line out.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with --batch: one object a line).")] = False,
) -> None:
    """Rank intrusion sets (MITRE ATT&CK Enterprise, from CYBERSHIELD_DATA) with evidence and a calibrated confidence."""
    from ..response import AttributionModel, load_profiles

    with handled():
        if batch is None and not techniques and not software:
            raise ResponseError("give --techniques and/or --software, or --batch FILE")
        cfg = settings()
        model = AttributionModel(load_profiles(cfg.data_dir, cfg.var_dir))
        if batch is None:
            ranking = model.rank(split_list(techniques), split_list(software), top)
            emit(ranking) if as_json else print_ranking(ranking)
            return
        try:
            lines = batch.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ResponseError(f"cannot read {batch}: {exc}") from None
    failed = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = orjson.loads(line)
            if not isinstance(case, dict) or not isinstance(case.get("techniques", []), list) \
                    or not isinstance(case.get("software", []), list):
                raise ResponseError("a case is {\"techniques\": [...], \"software\": [...]}")
            result = model.rank(case.get("techniques", []), case.get("software", []), top)
        except (orjson.JSONDecodeError, ResponseError) as exc:
            failed += 1
            result = {"line": number, "error": getattr(exc, "message", f"not JSON: {exc}")}
        if as_json:
            emit(result)
        elif "error" in result:
            console.print(f"[red]line {number}: {result['error']}[/]")
        else:
            console.print(f"line {number}:")
            print_ranking(result)
    if failed:
        console.print(f"[yellow]{failed} case(s) could not be attributed[/]")
        raise typer.Exit(2)
