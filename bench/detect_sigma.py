"""Sigma detection speed: cybershield's engine vs the pySigma SQLite backend (Zircolite's engine).

The shared EVTX attack samples (6,011 events) are repeated to >= 100,000 events and evaluated
with the full SigmaHQ Windows rule set on ONE core (POLARS_MAX_THREADS=1). The reference runs
one SQL query per rule over the same events loaded once in SQLite (it is measured on one copy of
the samples and quoted per event). Medians of --repeat runs; rule loading and event parsing are
timed separately and not counted in events/s.

    .venv/bin/python bench/detect_sigma.py [--events 100000] [--repeat 3] [--batch 50000]
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import pyarrow as pa  # noqa: E402

from cybershield.config import settings  # noqa: E402
from cybershield.detect.sigma import SigmaDetector  # noqa: E402
from cybershield.detect.sigma.reference import convert, load_events, run  # noqa: E402
from cybershield.events import concat, ingest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()
    data = settings().data_dir
    if not (data / "evtx-attack-samples").is_dir():
        print(f"skipped: shared data not found at {data}")
        return
    started = time.perf_counter()
    detector = SigmaDetector([data / "sigma" / "rules" / "windows"])
    load_s = time.perf_counter() - started
    batches: list[pa.Table] = []
    ingest([data / "evtx-attack-samples"], sink=batches.append)
    sample = concat(batches)
    copies = -(-args.events // sample.num_rows)
    events = pa.concat_tables([sample] * copies).combine_chunks()
    slices = [events.slice(i, args.batch) for i in range(0, events.num_rows, args.batch)]
    print(f"rules: {detector.describe()['rules_loaded']:,} loaded in {load_s:.1f} s; "
          f"events: {events.num_rows:,} ({copies} x {sample.num_rows:,}), batches of {args.batch:,}; "
          f"POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}")

    ours, alerts = [], 0
    for _ in range(args.repeat):
        t = time.perf_counter()
        alerts = sum(len(detector.detect(s)) for s in slices) + len(detector.finish())
        ours.append(events.num_rows / (time.perf_counter() - t))
    ours_rate = statistics.median(ours)
    single = []  # no repetition: every distinct value is new, and the per-batch cost is paid on 6,011 events
    unique = sample.combine_chunks()
    for _ in range(args.repeat):
        t = time.perf_counter()
        detector.detect(unique)
        single.append(unique.num_rows / (time.perf_counter() - t))

    t = time.perf_counter()
    queries = convert(detector.ruleset)
    convert_s = time.perf_counter() - t
    ref = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        conn = load_events([sample])
        matches, _failed = run(conn, queries)
        ref.append(sample.num_rows / (time.perf_counter() - t))
        conn.close()
    ref_rate = statistics.median(ref)

    print(f"cybershield: {ours_rate:,.0f} events/s (median of {args.repeat}; {alerts:,} alerts per pass)")
    print(f"cybershield, the {sample.num_rows:,} sample events once, as one batch: {statistics.median(single):,.0f} events/s")
    print(f"pySigma SQLite reference: {ref_rate:,.0f} events/s (median of {args.repeat}, over {sample.num_rows:,} events, "
          f"load + {len(queries.queries):,} rule queries; conversion {convert_s:.1f} s not counted; {len(matches):,} matches)")
    print(f"ratio: {ours_rate / ref_rate:,.1f}x   (targets: >= 100,000 events/s on one core, >= 50x)")


if __name__ == "__main__":
    sys.exit(main())
