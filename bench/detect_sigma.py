"""Sigma detection as a user runs it, on distinct events, next to the pySigma SQLite reference.

Events: the 6,011 real EVTX attack samples written once as they are and then as varied copies
from other hosts at other times (bench/_windows_json.py: host, record number, times, ids, GUIDs,
hashes, user profile differ), as NXLog-style JSON lines: no two events are the same. Rules: the
full SigmaHQ Windows set. One core (POLARS_MAX_THREADS=1, Arrow on one thread).

Reported: the whole ``cybershield detect`` process (CPU seconds, events per CPU-second, peak
memory) with a cold and with a warm rule cache; inside one process: rule loading cold and warm,
ingest, detection alone in the batches ``cybershield detect`` uses (events per CPU-second,
medians of --repeat); and the pySigma SQLite backend (what Zircolite runs: one SQL query per rule)
over the first --reference distinct events, loading included, quoted per event.

    .venv/bin/python bench/detect_sigma.py [--events 120000] [--repeat 3] [--reference 12022]
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pyarrow as pa  # noqa: E402
from _windows_json import flat_events, real_events, write_json_lines  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from cybershield.cli.detect import DETECT_BATCH  # noqa: E402
from cybershield.config import settings  # noqa: E402
from cybershield.detect.sigma import RuleCache, SigmaDetector  # noqa: E402
from cybershield.detect.sigma.reference import convert, load_events, run  # noqa: E402
from cybershield.events import ingest  # noqa: E402

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
console = Console(width=130)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def whole_process(events: Path, rules: Path, var: Path) -> dict:
    """``cybershield detect`` in a process of its own: CPU seconds (user + system) and peak memory."""
    cli = Path(sys.executable).with_name("cybershield")
    env = dict(os.environ, CYBERSHIELD_VAR=str(var))
    started = time.perf_counter()
    proc = subprocess.Popen([str(cli), "detect", str(events), "--rules", str(rules), "--json",
                             "--out", str(var / "alerts.jsonl")], env=env, stdout=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"cybershield detect failed ({status}): {out[-500:]!r}")
    import orjson
    summary = orjson.loads(out.splitlines()[-1])
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - started,
            "rss_mb": usage.ru_maxrss / 1024, "events": summary["events"], "alerts": summary["alerts"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", type=int, default=12_022, help="distinct events the SQLite reference runs on")
    args = parser.parse_args()
    data = settings().data_dir
    if not (data / "evtx-attack-samples").is_dir():
        print(f"skipped: shared data not found at {data}")
        return
    rules = data / "sigma" / "rules" / "windows"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        docs = real_events(data / "evtx-attack-samples")
        events_file = tmp / "windows.json"
        count = write_json_lines(events_file, flat_events(docs, args.events, "nxlog"))
        console.print(f"{count:,} distinct events ({len(docs):,} real, then varied copies), "
                      f"{events_file.stat().st_size / 2**20:,.0f} MiB of JSON lines; rules: {rules}")

        console.print("whole process: cybershield detect, cold rule cache …")
        cold_run = whole_process(events_file, rules, tmp / "var")
        console.print("whole process: cybershield detect, warm rule cache …")
        (tmp / "var" / "cybershield.db").unlink(missing_ok=True)
        warm_run = whole_process(events_file, rules, tmp / "var")

        t = cpu()
        SigmaDetector([rules], cache=RuleCache(tmp / "cache"))
        cold_load = cpu() - t
        t = cpu()
        detector = SigmaDetector([rules], cache=RuleCache(tmp / "cache"))
        warm_load = cpu() - t

        ingest_rates, batches = [], []
        for _ in range(args.repeat):
            batches = []
            t = cpu()
            ingest([events_file], sink=batches.append, batch_size=DETECT_BATCH)  # the batches detect runs on
            ingest_rates.append(count / (cpu() - t))
        detect_rates, alerts = [], 0
        for _ in range(args.repeat):
            t = cpu()
            alerts = sum(len(detector.detect(b)) for b in batches) + len(detector.finish())
            detect_rates.append(count / (cpu() - t))

        reference_file = tmp / "reference.json"
        ref_count = write_json_lines(reference_file, flat_events(docs, min(args.reference, count), "nxlog"))
        ref_batches: list = []
        ingest([reference_file], sink=ref_batches.append)
        t = cpu()
        queries = convert(detector.ruleset)
        convert_s = cpu() - t
        t = cpu()
        conn = load_events(ref_batches)
        matches, _failed = run(conn, queries)
        ref_rate = ref_count / (cpu() - t)
        conn.close()

    detect_rate = statistics.median(detect_rates)
    table = Table(title=f"Sigma detection, one core, {count:,} distinct Windows events, {len(detector.rules):,} rule "
                        f"variants of {detector.describe()['rules_loaded']:,} rules")
    table.add_column("what")
    table.add_column("CPU s", justify="right")
    table.add_column("events / CPU-s", justify="right")
    table.add_column("peak MB", justify="right")
    table.add_column("target", justify="right")
    for name, r in (("cybershield detect (whole process), cold cache", cold_run),
                    ("cybershield detect (whole process), warm cache", warm_run)):
        table.add_row(name, f"{r['cpu']:.2f}", f"{r['events'] / r['cpu']:,.0f}", f"{r['rss_mb']:,.0f}",
                      ">= 50,000; < 500 MB" if "warm" in name else "")
    table.add_row("rule load, cold (compile, fill the cache)", f"{cold_load:.2f}", "", "", "")
    table.add_row("rule load, warm (from the cache)", f"{warm_load:.2f}", "", "", "< 1 s")
    table.add_row(f"ingest (median of {args.repeat})", f"{count / statistics.median(ingest_rates):.2f}",
                  f"{statistics.median(ingest_rates):,.0f}", "", ">= 150,000")
    table.add_row(f"detection alone (median of {args.repeat}; {alerts:,} alerts)", f"{count / detect_rate:.2f}",
                  f"{detect_rate:,.0f}", "", ">= 100,000")
    table.add_row(f"pySigma SQLite reference ({ref_count:,} events, load + {len(queries.queries):,} rule queries; "
                  f"conversion {convert_s:.1f} s not counted; {len(matches):,} matches)",
                  f"{ref_count / ref_rate:.2f}", f"{ref_rate:,.0f}", "", "")
    console.print(table)
    console.print(f"detection alone vs the SQLite reference: {detect_rate / ref_rate:,.1f}x; whole process (warm) vs "
                  f"the reference's detection alone: {warm_run['events'] / warm_run['cpu'] / ref_rate:,.1f}x")


if __name__ == "__main__":
    sys.exit(main())
