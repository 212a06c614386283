"""Attribution accuracy on simulated partial observations of every ATT&CK group, against overlap counting.

For each observation rate, every intrusion set with at least three techniques of its own gives one case per
seed: that share of its techniques (one in three sub-techniques reported only by its parent), half as many
noise techniques it never used (drawn by how common they are), and with ``--software`` each of its software
with the same rate. Evaluation seeds (1, 2, …) are apart from the calibration seeds (1000 and up) the model's
noise, weights and temperature were fitted on. Printed: top-1 and top-5 accuracy of the model and of the
overlap-count baseline (observed techniques among the group's own, plus its software; ties in id order), the
model's mean top confidence beside its top-1 accuracy (calibration) and its expected calibration error; then
the time to derive and calibrate the profiles (first command) against loading the cache (every later one)
and the median time to rank one case.

    python bench/attribution.py [--seeds 3] [--rates 0.1,0.2,0.3,0.5] [--noise 0.5] [--software]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from cybershield.config import settings
from cybershield.response import AttributionModel, ResponseError, load_profiles
from cybershield.response.attribution import simulate


def top_k(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((order == truth[:, None]).any(axis=1).mean())


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rates", default="0.1,0.2,0.3,0.5")
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--software", action="store_true", help="also observe the groups' software")
    parser.add_argument("--quick", action="store_true", help="one seed (bench/run_all.py passes it through)")
    args = parser.parse_args()
    cfg = settings()
    with tempfile.TemporaryDirectory() as cold:
        started = time.perf_counter()
        try:
            profiles = load_profiles(cfg.data_dir, Path(cold))
        except ResponseError as exc:
            sys.exit(f"skipped: {exc.message}")
        derive = time.perf_counter() - started
        loads = []
        for _ in range(5):
            started = time.perf_counter()
            load_profiles(cfg.data_dir, Path(cold))
            loads.append(time.perf_counter() - started)
    model = AttributionModel(profiles)
    seeds = range(1, 2 if args.quick else args.seeds + 1)
    print(f"ATT&CK groups: {len(profiles['groups'])}; model parameters fitted on {profiles['calibration']['cases']} "
          f"calibration cases: {model.params}")
    print(f"noise {args.noise} per observed technique; software observed: {args.software}; seeds {list(seeds)}\n")
    header = f"{'rate':>5} {'cases':>6} | {'model top-1':>11} {'top-5':>6} | {'overlap top-1':>13} {'top-5':>6} | " \
             f"{'conf.':>6} {'ECE':>5}"
    print(header)
    print("-" * len(header))
    for rate in (float(r) for r in args.rates.split(",")):
        cases = [c for seed in seeds for c in simulate(profiles, rate, seed, noise=args.noise, software=args.software)]
        truth = np.array([model.group_ids.index(c.group) for c in cases])
        scores, overlap = model.scores(cases), model.overlap(cases)
        confidence = model.confidence(scores).max(axis=1)
        correct = scores.argmax(axis=1) == truth
        print(f"{rate:>5.2f} {len(cases):>6} | {top_k(scores, truth, 1):>11.1%} {top_k(scores, truth, 5):>6.1%} | "
              f"{top_k(overlap, truth, 1):>13.1%} {top_k(overlap, truth, 5):>6.1%} | {confidence.mean():>6.1%} "
              f"{calibration_error(confidence, correct):>5.3f}")
    cases = simulate(profiles, 0.3, 99)
    ranks = []
    for case in cases:
        started = time.perf_counter()
        model.rank(case.techniques, case.software)
        ranks.append(time.perf_counter() - started)
    print(f"\nprofiles: derive + calibrate {derive:.2f} s (first command), cached load median "
          f"{statistics.median(loads) * 1000:.0f} ms ({derive / statistics.median(loads):.0f}x faster); "
          f"rank one case median {statistics.median(ranks) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
