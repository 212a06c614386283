"""``cybershield ingest``: parse sources into normalised events, with a summary."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import CybershieldError
from ..input_formats import FORMAT_NAMES
from .base import app, console

if TYPE_CHECKING:
    import pyarrow as pa

    from ..events import FormatStats, IngestSummary, Quarantine


@contextlib.contextmanager
def file_progress(paths: list[Path], show: bool) -> Iterator[Callable[[Path, FormatStats], None]]:
    """A progress bar over the files under ``paths``; yields the ``on_file`` callback that advances it."""
    from ..events import discover

    files = discover(paths, [])
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, disable=not show or len(files) < 2) as progress:
        task = progress.add_task("", total=len(files))

        def on_file(path: Path, stats: FormatStats) -> None:
            progress.update(task, advance=1, description=f"{path.name}: {stats.parsed:,} events")

        yield on_file


def run_ingest(paths: list[Path], fmt: str | None, out: Path | None, quarantine: Quarantine,
               show_progress: bool, consumer: Callable[[pa.Table], None] | None = None,
               batch_size: int = 50_000) -> IngestSummary:
    """Ingest with a progress bar over the files; hand each batch to ``consumer`` (detection, say) and
    write all events to one Parquet file if asked (batches go to disk as they come, so memory stays
    bounded; they are joined under one schema at the end)."""
    import pyarrow.parquet as pq

    from ..events import align, ingest, unify_schema

    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise CybershieldError(f"no such file or folder: {', '.join(missing)}")
    parts = out.with_name(f".{out.name}.parts") if out else None
    schemas: list[pa.Schema] = []

    def sink(table: pa.Table) -> None:
        if parts:
            parts.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, parts / f"{len(schemas):06d}.parquet", compression="zstd")
            schemas.append(table.schema)
        if consumer:
            consumer(table)

    with file_progress(paths, show_progress) as on_file:
        summary = ingest(paths, fmt, sink=sink if out or consumer else None, quarantine=quarantine, on_file=on_file,
                         batch_size=batch_size)
    quarantine.close()
    if out and parts and schemas:
        schema = unify_schema(schemas)
        with pq.ParquetWriter(out, schema, compression="zstd") as writer:
            for i in range(len(schemas)):
                part = parts / f"{i:06d}.parquet"
                writer.write_table(align(pq.read_table(part), schema))
                part.unlink()
        parts.rmdir()
    return summary


def print_summary(summary: IngestSummary) -> None:
    table = Table(title="ingest summary", show_footer=True)
    table.add_column("format", footer="total")
    for col, total in (("files", sum(s.files for s in summary.by_format.values())), ("read", summary.read),
                       ("parsed", summary.parsed), ("quarantined", summary.quarantined)):
        table.add_column(col, justify="right", footer=f"{total:,}")
    table.add_column("events/s", justify="right",
                     footer=f"{summary.parsed / summary.seconds:,.0f}" if summary.seconds else "-")
    for name, s in sorted(summary.by_format.items()):
        table.add_row(name, f"{s.files:,}", f"{s.read:,}", f"{s.parsed:,}", f"{s.quarantined:,}",
                      f"{s.events_per_second:,.0f}")
    console.print(table)
    if summary.by_reason:
        reasons = Table(title="quarantined, by reason")
        reasons.add_column("reason")
        reasons.add_column("records", justify="right")
        for reason, count in summary.by_reason.most_common():
            reasons.add_row(reason, f"{count:,}")
        console.print(reasons)
    console.print(f"read {summary.read:,} = parsed {summary.parsed:,} + quarantined {summary.quarantined:,}"
                  f"; {len(summary.skipped)} documentation files skipped")


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked recursively).")],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=f"Force a format: {', '.join(FORMAT_NAMES)}.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the events to this Parquet file.")] = None,
    quarantine_dir: Annotated[Path | None, typer.Option("--quarantine", help="Folder for quarantine.jsonl.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Parse logs (EVTX, Zeek, Suricata, flows, syslog, CEF) into ECS events; bad records are quarantined."""
    from ..events import Quarantine  # the parsers and Arrow load when a command runs

    if fmt is not None and fmt not in FORMAT_NAMES:
        console.print(f"[red]unknown format {fmt!r}[/]; known: {', '.join(FORMAT_NAMES)}")
        raise typer.Exit(2)
    summary = run_ingest(paths, fmt, out, Quarantine(quarantine_dir), show_progress=not as_json)
    if as_json:
        sys.stdout.write(orjson.dumps(summary.as_dict()).decode() + "\n")
    else:
        print_summary(summary)
    if summary.parsed == 0:
        console.print("[red]nothing could be read[/]")
        raise typer.Exit(1)
