"""Flow scoring on one core: batch throughput (flows/s) and single-flow latency (median, p99).

cybershield's scorer (LightGBM attack detector + family model on what alerts + benign-only
anomaly detector; the alert decision runs the detector's trees in stages and the anomaly detector
only on what the detector let pass) against plain scikit-learn ``predict`` calls measured in the same run:
HistGradientBoostingClassifier (balanced class weights, the issue's reference) and LightGBM's
own scikit-learn estimator (one multi-class model, ``LGBMClassifier.predict``), all trained on
the same time-ordered split of ../shared/data/cicids2017. Medians of repeated runs, wall clock
and CPU time of this one-threaded process.

    python bench/model_scoring.py [--quick] [--flows N]
    python bench/model_scoring.py --later-period

``--later-period`` prints model quality instead of speed, as on flows of a later period than the
training data: per-label time splits of the file (shares of each label's flows in time order; train
and test never overlap; a gap split leaves the flows between out, as a real later period is further
from the training data). Validation rows use only the earliest 70 % (choose settings on those);
test rows are the latest 30 % (look at them once).
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
from cybershield.learning import TARGETS, FlowFeatures, FlowScorer, evaluate, extract, subsample, time_split  # noqa: E402


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


#: name, whether only the earliest 70 % of each label is used, test fraction, train fraction (None: no gap).
#: The wide splits test on half of the validation period: the wide gap one (trained on the earliest 21 %)
#: is where Slowhttptest flows of a phase its training lacks get named Slowloris, as the issue saw.
LATER_PERIOD = (("validation: learn 0-49 %, test 49-70 %", True, 0.3, None),
                ("validation, gap: learn 0-28 %, test 49-70 %", True, 0.3, 0.4),
                ("validation, wide: learn 0-35 %, test 35-70 %", True, 0.5, None),
                ("validation, wide gap: learn 0-21 %, test 35-70 %", True, 0.5, 0.3),
                ("test: learn 0-70 %, test 70-100 %", False, 0.3, None),
                ("test, gap: learn 0-40 %, test 70-100 %", False, 0.3, 0.4))


def later_period(flows: FlowFeatures) -> None:
    """Per-class F1, macro-F1 and benign FPR of the scorer on each split of ``LATER_PERIOD``."""
    earlier = flows.take(time_split(flows, 0.3)[0])
    runs = []
    for name, inner, test_fraction, train_fraction in LATER_PERIOD:
        started = time.perf_counter()
        metrics = evaluate(earlier if inner else flows, test_fraction, train_fraction=train_fraction,
                           leave_one_out=False, baselines=False).metrics
        runs.append(metrics)
        print(f"{name}: {metrics['split']['train_flows']:,} training flows, {metrics['split']['test_flows']:,} "
              f"test flows ({time.perf_counter() - started:.0f} s)", flush=True)
    names = [name.split(":")[0] for name, *_ in LATER_PERIOD]
    print(f"{'F1 per class (test flows of each split)':56s}" + "".join(f"{n:>21s}" for n in names))
    for label in runs[-1]["per_class"]:
        support = "/".join(str(m["per_class"].get(label, {}).get("support", 0)) for m in runs)
        print(f"{label + ' (' + support + ')':56s}" + "".join(f"{m['per_class'].get(label, {}).get('f1', float('nan')):>21.3f}"
                                                          for m in runs))
    print(f"{'macro-F1 (target >= ' + str(TARGETS['macro_f1']) + ')':56s}" + "".join(f"{m['macro_f1']:>21.4f}" for m in runs))
    print(f"{'family names: macro-F1 over attack flows':56s}" + "".join(f"{m['family_macro_f1']:>21.4f}" for m in runs))
    print(f"{'benign FPR (target <= ' + format(TARGETS['benign_fpr'], '.1%') + ')':56s}"
          + "".join(f"{m['benign_fpr']:>21.3%}" for m in runs))
    print(f"{'classes of >= 20 test flows with F1 < 0.9':56s}"
          + "".join(f"{sum(v['support'] >= 20 and v['f1'] < 0.9 for v in m['per_class'].values()):>21d}" for m in runs))
    for (name, *_), m in zip(LATER_PERIOD, runs, strict=True):
        if name.startswith("test"):
            print(f"\n{name}\n{'class':28s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'support':>7s}")
            for label, v in m["per_class"].items():
                print(f"{label:28s} {v['precision']:>9.3f} {v['recall']:>7.3f} {v['f1']:>6.3f} {v['support']:>7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train on 400 flows per label (seconds, not a minute)")
    parser.add_argument("--flows", type=int, default=100_000, help="flows per batch-throughput run")
    parser.add_argument("--later-period", action="store_true", help="model quality on later flows, not speed")
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
    if args.later_period:
        later_period(flows)
        return
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
