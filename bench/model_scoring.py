"""Flow scoring on one core: batch throughput (flows/s) and single-flow latency (median, p99).

cybershield's scorer (LightGBM attack detector + family model on what alerts + benign-only
anomaly detector) against plain scikit-learn ``predict`` calls measured in the same run:
HistGradientBoostingClassifier (balanced class weights, the issue's reference) and LightGBM's
own scikit-learn estimator (one multi-class model, ``LGBMClassifier.predict``), all trained on
the same time-ordered split of ../shared/data/cicids2017. Medians of repeated runs.

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


def best_of(fn, repeats: int) -> float:
    """Median seconds of ``repeats`` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
    parser.add_argument("--flows", type=int, default=200_000, help="flows per batch-throughput run")
    args = parser.parse_args()
    path = settings().data_dir / "cicids2017" / "train.csv.gz"
    if not path.is_file():
        print(f"skipped: {path} not found (set CYBERSHIELD_DATA)")
        return
    batches = []
    ingest([path], sink=batches.append, quarantine=Quarantine())
    table = concat(batches)
    extract_s = best_of(lambda: extract(table), 3)
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

    reps = int(np.ceil(args.flows / len(test)))
    batch = np.tile(test.matrix, (reps, 1))[: args.flows]
    attack_share = float((test.labels != "BENIGN").mean())
    rows = [
        ("cybershield: alert decision (detector + anomaly)",
         lambda x: (scorer.classifier.raw(x) >= scorer.classifier.raw_threshold)
         | (scorer.anomaly.raw(x) >= scorer.anomaly.raw_threshold)),
        ("cybershield: full assess (+ family of alerts)", scorer.assess),
        ("  LightGBM attack detector alone", scorer.classifier.raw),
        ("  anomaly detector alone", scorer.anomaly.raw),
        ("scikit-learn HistGradientBoosting.predict", lambda x: hgb.predict(x[:, used])),
        ("LightGBM LGBMClassifier.predict (multi-class)", lambda x: lgbm.predict(x[:, used])),
    ]
    print(f"one core; {len(train):,} training flows, batch of {len(batch):,} held-out flows "
          f"({attack_share:.0%} attacks, so the family model runs on most of them)")
    print(f"feature extraction from events: {table.num_rows / extract_s:,.0f} flows/s")
    print(f"{'':50s} {'flows/s':>12s} {'median µs':>10s} {'p99 µs':>10s}")
    figures = {}
    for name, fn in rows:
        seconds = best_of(lambda fn=fn: fn(batch), 3)
        median, p99 = latency_us(fn, test.matrix, 1000)
        figures[name] = len(batch) / seconds
        print(f"{name:50s} {figures[name]:>12,.0f} {median:>10.1f} {p99:>10.1f}")
    peer = figures["scikit-learn HistGradientBoosting.predict"]
    for name in ("cybershield: alert decision (detector + anomaly)", "cybershield: full assess (+ family of alerts)"):
        print(f"ratio {name.split(': ')[1]} / HistGradientBoosting.predict: {figures[name] / peer:.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
