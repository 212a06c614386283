"""Ingest throughput per format on the shared samples, next to the plainest peer in the same run.

Each format's sample is repeated to at least ``--events`` events and parsed into Arrow event
batches by ``cybershield.events.ingest`` on one core (Arrow and the EVTX reader limited to one
thread); the peer reads the same input the plainest way: ``json.loads`` per line for JSON lines,
a tab split per line for Zeek TSV, python-evtx (rendering each record's XML) for EVTX. Flat Windows
JSON lines are distinct events (bench/_windows_json.py) made from the real EVTX samples, in the
NXLog and the winlogbeat shape; the held-out rows do the same from the Sigma regression samples,
which nothing was tuned on. Figures are events per CPU-second of the whole process (all its
threads; medians of ``--repeat`` runs, so a busy machine distorts them less than wall time).
Targets (issues 2 and 12): >= 150,000 events/s for Zeek/Suricata/flat Windows JSON, >= 50,000 for EVTX.

    python bench/ingest.py [--events 100000] [--repeat 3] [--only evtx,evtx-json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from _windows_json import flat_events, real_events, write_json_lines
from rich.console import Console
from rich.table import Table

from cybershield.config import settings
from cybershield.events import ingest

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
console = Console(width=120)

EVTX_SAMPLES = "evtx-attack-samples"
HELD_OUT = "sigma/regression_data"
#: row -> (format, sample under the shared data, flat Windows JSON shape or None, target events/s)
SAMPLES = {
    "zeek-json": ("zeek-json", "network-logs/wrccdc-2018-zeek/zeek-json/dns.json.gz", None, 150_000),
    "suricata-eve": ("suricata-eve", "network-logs/stratosphere-slips/test6-malicious.suricata.json.gz", None, 150_000),
    "zeek-tsv": ("zeek-tsv", "network-logs/wrccdc-2018-zeek/zeek-default/dns.log.gz", None, None),
    "evtx": ("evtx", EVTX_SAMPLES, None, 50_000),
    "evtx held-out": ("evtx", HELD_OUT, None, 50_000),
    "evtx-json nxlog": ("evtx-json", EVTX_SAMPLES, "nxlog", 150_000),
    "evtx-json winlogbeat": ("evtx-json", EVTX_SAMPLES, "winlogbeat", 150_000),
    "evtx-json nxlog held-out": ("evtx-json", HELD_OUT, "nxlog", 150_000),
}


def median_rate(run: Callable[[], int], repeat: int) -> tuple[int, float]:
    """Events and events per CPU-second of the process (median of ``repeat`` runs)."""
    rates, count = [], 0
    for _ in range(repeat):
        started = time.process_time()
        count = run()
        rates.append(count / (time.process_time() - started))
    return count, statistics.median(rates)


def repeated_lines(sample: Path, events: int, folder: Path) -> Path:
    """The sample's lines (gzip opened) repeated into one plain file of at least ``events`` lines."""
    with gzip.open(sample) if sample.suffix == ".gz" else open(sample, "rb") as f:
        content = f.read()
    lines = sum(1 for line in content.splitlines() if line and not line.startswith(b"#"))
    body = b"\n".join(line for line in content.splitlines() if not line.startswith(b"#")) + b"\n"
    header = b"\n".join(line for line in content.splitlines() if line.startswith(b"#") and not line.startswith(b"#close"))
    target = folder / sample.name.removesuffix(".gz")
    target.write_bytes((header + b"\n" if header else b"") + body * -(-events // lines))
    return target


def ours(fmt: str, paths: list[Path]) -> Callable[[], int]:
    def run() -> int:
        return ingest(paths, fmt, sink=lambda table: None).parsed
    return run


def peer_json(path: Path) -> Callable[[], int]:
    def run() -> int:
        with open(path, "rb") as f:
            return sum(1 for line in f if json.loads(line) is not None)
    return run


def peer_tsv(path: Path) -> Callable[[], int]:
    def run() -> int:
        with open(path, "rb") as f:
            return sum(1 for line in f if not line.startswith(b"#") and line.rstrip(b"\n").split(b"\t"))
    return run


def peer_python_evtx(files: list[Path], limit: int) -> Callable[[], int]:
    import Evtx.Evtx as evtx_py

    def run() -> int:
        count = 0
        for path in files:
            with evtx_py.Evtx(str(path)) as log:
                for record in log.records():
                    record.xml()
                    count += 1
                    if count >= limit:
                        return count
        return count
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated row names or formats (default: all)")
    args = parser.parse_args()
    data = settings().data_dir
    if not (data / "README.md").is_file():
        sys.exit(f"bench/ingest.py needs the shared data (CYBERSHIELD_DATA, now {data})")
    only = {name for name in args.only.split(",") if name}
    table = Table(title=f"ingest, one core, median of {args.repeat} (events per CPU-second)")
    for col in ("input", "events", "cybershield", "peer", "peer events/s", "ratio", "target", "met"):
        table.add_column(col, justify="left" if col in ("input", "peer") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        for row, (fmt, sample, shape, target) in SAMPLES.items():
            if only and row not in only and fmt not in only:
                continue
            source = data / sample
            if shape:
                paths = [Path(tmp) / f"{shape}.json"]
                write_json_lines(paths[0], flat_events(real_events(source), args.events, shape))
                peer_name, peer = "json.loads per line", peer_json(paths[0])
            elif fmt == "evtx":
                files = sorted(source.rglob("*.evtx"))
                per_pass = ingest(files, "evtx").parsed
                paths = files * -(-args.events // per_pass)
                peer_name, peer = "python-evtx", peer_python_evtx(files, 2_000)
            else:
                paths = [repeated_lines(source, args.events, Path(tmp))]
                peer_name, peer = ("str.split per line", peer_tsv(paths[0])) if fmt == "zeek-tsv" \
                    else ("json.loads per line", peer_json(paths[0]))
            console.print(f"[bold]{row}[/]: cybershield …")
            count, rate = median_rate(ours(fmt, paths), args.repeat)
            console.print(f"[bold]{row}[/]: {peer_name} …")
            _, peer_rate = median_rate(peer, args.repeat)
            met = "-" if target is None else ("yes" if rate >= target else "NO")
            table.add_row(row, f"{count:,}", f"{rate:,.0f}", peer_name, f"{peer_rate:,.0f}", f"{rate / peer_rate:.2f}x",
                          "-" if target is None else f"{target:,}", met)
    console.print(table)


if __name__ == "__main__":
    main()
