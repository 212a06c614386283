"""Flow scoring on one core: batch throughput (flows/s) and single-flow latency (median, p99).

cybershield's scorer (LightGBM attack detector + family model on what alerts + benign-only
anomaly detector; the alert decision runs the detector's trees in stages and the anomaly detector
only on what the detector let pass) against plain scikit-learn ``predict`` calls measured in the same run:
HistGradientBoostingClassifier (balanced class weights, the issue's reference) and LightGBM's
own scikit-learn estimator (one multi-class model, ``LGBMClassifier.predict``), all trained on
the same time-ordered split of ../shared/data/cicids2017. Medians of repeated runs, wall clock
and CPU time of this one-threaded process.

    python bench/model_scoring.py [--quick] [--flows N]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, before NumPy loads

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from cybershield.config import settings  # noqa: E402
from cybershield.events import Quarantine, concat, ingest  # noqa: E402
from cybershield.learning import FlowScorer, extract, subsample, time_split  # noqa: E402


def median_of(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of ``repeats`` calls (after one warm-up). The CPU time of
    this single-threaded process is the one-core figure when other processes share the machine."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def latency_us(fn, rows: np.ndarray, count: int) -> tuple[float, float]:
    times = []
    for i in range(count):
        one = rows[i % len(rows): i % len(rows) + 1]
        started = time.perf_counter()
        fn(one)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train on 400 flows per label (seconds, not a minute)")
    parser.add_argument("--flows", type=int, default=100_000, help="flows per batch-throughput run")
    args = parser.parse_args()
    path = settings().data_dir / "cicids2017" / "train.csv.gz"
    if not path.is_file():
        print(f"skipped: {path} not found (set CYBERSHIELD_DATA)")
        return
    batches = []
    ingest([path], sink=batches.append, quarantine=Quarantine())
    table = concat(batches)
    extract_s = median_of(lambda: extract(table), 3)[0]
    flows = extract(table)
    if args.quick:
        flows = subsample(flows, 400)
    train_idx, test_idx = time_split(flows, 0.3)
    train, test = flows.take(train_idx), flows.take(test_idx)
    scorer = FlowScorer.train(train)

    from lightgbm import LGBMClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier

    used = ~np.isnan(train.matrix).all(axis=0)  # scikit-learn's binning fails on all-missing columns
    hgb = HistGradientBoostingClassifier(class_weight="balanced", random_state=0)
    hgb.fit(train.matrix[:, used], train.labels.astype(str))
    lgbm = LGBMClassifier(n_estimators=100, class_weight="balanced", n_jobs=1, verbose=-1, random_state=0,
                          min_child_samples=3).fit(train.matrix[:, used], train.labels.astype(str))

    def batch_of(matrix: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.tile(matrix, (int(np.ceil(args.flows / len(matrix))), 1))[: args.flows])

    mixed = batch_of(test.matrix)
    benign = batch_of(test.matrix[test.labels == "BENIGN"])
    attack_share = float((test.labels != "BENIGN").mean())
    decision = "cybershield: alert decision (detector + anomaly)"
    rows = [
        (decision, scorer.alerts, (mixed, benign)),
        ("cybershield: full assess (every score + family)", scorer.assess, (mixed,)),
        ("  LightGBM attack detector, all trees", scorer.classifier.raw, (mixed,)),
        ("  LightGBM attack detector, staged decision", scorer.classifier.alerts, (mixed, benign)),
        ("  anomaly detector alone", scorer.anomaly.raw, (mixed,)),
        ("scikit-learn HistGradientBoosting.predict", lambda x: hgb.predict(x[:, used]), (mixed, benign)),
        ("LightGBM LGBMClassifier.predict (multi-class)", lambda x: lgbm.predict(x[:, used]), (mixed,)),
    ]
    print(f"one core; {len(train):,} training flows; batches of {args.flows:,} held-out flows: 'mixed' is the "
          f"test split ({attack_share:.0%} attacks), 'benign' its benign flows (what a hub mostly sees)")
    print(f"feature extraction from events: {table.num_rows / extract_s:,.0f} flows/s")
    print(f"{'':50s} {'batch':>7s} {'flows/s':>12s} {'CPU flows/s':>12s} {'median µs':>10s} {'p99 µs':>10s}")
    figures = {}
    for name, fn, batches in rows:
        median, p99 = latency_us(fn, test.matrix, 300)
        for kind, batch in zip(("mixed", "benign"), batches, strict=False):
            wall, cpu = median_of(lambda fn=fn, batch=batch: fn(batch), 3)
            figures[name, kind] = len(batch) / wall, len(batch) / cpu
            print(f"{name:50s} {kind:>7s} {figures[name, kind][0]:>12,.0f} {figures[name, kind][1]:>12,.0f} "
                  f"{median:>10.1f} {p99:>10.1f}")
    peer = "scikit-learn HistGradientBoosting.predict"
    for kind in ("mixed", "benign"):
        for name in (decision, "cybershield: full assess (every score + family)"):
            if (name, kind) in figures:
                print(f"ratio {name.split(': ')[1]} / HistGradientBoosting.predict, {kind} batch: "
                      f"{figures[name, kind][0] / figures[peer, kind][0]:.2f}x wall, "
                      f"{figures[name, kind][1] / figures[peer, kind][1]:.2f}x CPU")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
