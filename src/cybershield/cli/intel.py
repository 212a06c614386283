"""``cybershield intel``: import intelligence files into the store, export it through the sharing gate."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..config import settings
from ..intel import DEFAULT_COLLECTION  # light: the store, STIX and MISP load when a command runs
from .base import app, console
from .hub import hub_config_or_exit

if TYPE_CHECKING:
    from ..intel import Export, FileImport

intel_app = typer.Typer(help="The threat-intelligence store: import and export STIX 2.1.", no_args_is_help=True)
app.add_typer(intel_app, name="intel")

STATUSES = ("stored", "updated", "unchanged", "rejected")


def _stix_export(export: Export, out: Path | None) -> bytes:
    return export.bundle()


def _misp_export(export: Export, out: Path | None) -> bytes:
    from ..intel import stix_to_misp

    return stix_to_misp(o.as_dict() for o in export.objects).event.to_json().encode()


def _misp_feed_export(export: Export, out: Path | None) -> None:
    from ..intel import stix_to_misp, write_misp_feed

    if out is None:
        raise KeyError("a MISP feed is a folder: give it with --out DIR")
    write_misp_feed([stix_to_misp(o.as_dict() for o in export.objects).event], out)


#: Export formats: name -> function(what passed the sharing gate, --out) -> the bytes to write, or None when
#: it wrote its folder itself.
EXPORTERS = {"stix": _stix_export, "misp": _misp_export, "misp-feed": _misp_feed_export}


def print_imports(reports: list[FileImport]) -> None:
    from ..intel import rejections_by_reason

    table = Table(title="intel import", show_footer=True)
    totals = Counter()
    for report in reports:
        totals.update(report.result.counts)
    table.add_column("file", footer="total")
    table.add_column("kind")
    for status in STATUSES:
        table.add_column(status, justify="right", footer=f"{totals[status]:,}")
    for report in reports:
        counts = report.result.counts
        table.add_row(report.path.name, report.kind or "[red]unreadable[/]", *(f"{counts[s]:,}" for s in STATUSES))
    console.print(table)
    for report in reports:
        if report.error:
            console.print(f"[red]{report.path}[/]: {report.error}")
    print_rejections(rejections_by_reason(reports))
    rejected = [(r.path.name, s) for r in reports for s in r.result.rejected if s.index >= 0]
    if rejected:
        reasons = Table(title="rejected objects (the validator's reasons)")
        for column in ("file", "#", "id", "reason"):
            reasons.add_column(column)
        for name, status in rejected[:20]:
            reasons.add_row(name, str(status.index), status.id or "-", "\n".join(status.reasons[:3]))
        console.print(reasons)
        if len(rejected) > 20:
            console.print(f"… and {len(rejected) - 20:,} more rejected objects (--json lists them all)")


def print_rejections(reasons: Counter[str], shown: int = 15) -> None:
    """What was rejected, by reason (a MISP attribute type with no STIX form counts its attributes)."""
    if not reasons:
        return
    table = Table(title="rejected, by reason")
    table.add_column("reason")
    table.add_column("objects or attributes", justify="right")
    for reason, count in reasons.most_common(shown):
        table.add_row(escape(reason), f"{count:,}")
    console.print(table)
    if len(reasons) > shown:
        console.print(f"… and {len(reasons) - shown:,} more reasons (`cybershield intel import FILE --json` lists them)")


#: "references <id>, which is withheld: <why>": one reason for every object the gate withholds that way.
_WITHHELD_REFERENCE = re.compile(r"^references \S+, which is withheld: ")


@intel_app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="STIX 2.1 bundles, object files or folders (walked recursively).")],
    collection: Annotated[str, typer.Option(help="The store collection to put the objects in.")] = DEFAULT_COLLECTION,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Validate and store intelligence; each object is stored, updated, unchanged or rejected with its reasons."""
    from ..intel import IntelStore, import_file, prepare_validation
    from ..intel.importer import discover

    store = IntelStore.open(settings().db_url)
    prepare_validation()
    files = list(discover(paths))
    reports: list[FileImport] = []
    with Progress(TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, disable=as_json) as progress:
        task = progress.add_task("", total=len(files))
        done = Counter()
        for path in files:
            def on_progress(n: int, path=path) -> None:
                done["objects"] += n
                progress.update(task, description=f"{path.name}: {done['objects']:,} objects")
            reports.append(import_file(store, path, collection=collection, on_progress=on_progress))
            progress.advance(task)
    if as_json:
        sys.stdout.write(orjson.dumps({"files": [r.as_dict() for r in reports]}).decode() + "\n")
    else:
        print_imports(reports)
    if not any(r.result.counts[s] for r in reports for s in ("stored", "updated", "unchanged")):
        console.print("[red]nothing could be imported[/]")
        raise typer.Exit(1)


@intel_app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(EXPORTERS)}.")] = "stix",
    recipient: Annotated[str | None, typer.Option("--for", help="The peer, constituent or sharing group it is "
                                                  "for; without it only TLP:CLEAR and GREEN go out.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on standard error.")] = False,
) -> None:
    """Export the newest version of each object that the recipient may receive (the TLP sharing gate)."""
    from ..intel import COMMUNITY, IntelStore, export_stix

    if fmt not in EXPORTERS:
        console.print(f"[red]unknown format {fmt!r}[/]; known: {', '.join(EXPORTERS)}")
        raise typer.Exit(2)
    cfg = settings()
    policy = hub_config_or_exit().sharing_policy()
    try:
        export = export_stix(IntelStore.open(cfg.db_url), policy,
                             policy.recipient(recipient) if recipient else COMMUNITY)
        data = EXPORTERS[fmt](export, out)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    if data is not None and out:
        out.write_bytes(data)
    elif data is not None:
        sys.stdout.buffer.write(data + b"\n")
    exported, withheld = len(export.objects), export.withheld
    reasons = Counter(_WITHHELD_REFERENCE.sub("references a withheld object: ", reason) for _, reason in withheld)
    if as_json:
        console.print_json(orjson.dumps({"format": fmt, "for": recipient, "exported": exported,
                                         "withheld": len(withheld), "withheld_by_reason": reasons}).decode())
        return
    table = Table(title=f"export ({fmt}) for {recipient or 'the community (CLEAR, GREEN)'}")
    table.add_column("objects")
    table.add_column("count", justify="right")
    table.add_row("exported", f"{exported:,}")
    for reason, count in reasons.most_common(10):
        table.add_row(f"withheld: {reason}", f"{count:,}")
    console.print(table)
