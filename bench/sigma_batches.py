"""Sigma detection alone over ingested batches (CPU seconds, one core): what the evaluator costs per batch.

Events: a JSON-lines file (e.g. from bench/_windows_json.py ``flat_events``), ingested once; then
``SigmaDetector.detect`` over every batch, --repeat times, in one process. With --against (another
version of src/cybershield/detect/sigma/evaluate.py) a second detector uses that evaluator and the
two take turns batch by batch, so a noisy machine slows both alike. Prints the median CPU seconds
of a pass over all batches, and the alerts, per evaluator.

    .venv/bin/python bench/sigma_batches.py /tmp/ev120k.json [--batch 10000] [--repeat 5] [--against OLD.py]
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pyarrow as pa  # noqa: E402

from cybershield.config import settings  # noqa: E402
from cybershield.detect.sigma import RuleCache, SigmaDetector  # noqa: E402
from cybershield.detect.sigma import detector as detector_module  # noqa: E402
from cybershield.events import ingest  # noqa: E402

pa.set_cpu_count(1)
pa.set_io_thread_count(1)


def evaluator_from(path: Path) -> type:
    """The ``Evaluator`` class of another version of the evaluator module (imported beside the current one)."""
    name = "cybershield.detect.sigma._evaluate_against"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Evaluator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=Path)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another evaluate.py to compare with, batch by batch")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rc_eval"))
    args = parser.parse_args()
    batches: list[pa.Table] = []
    ingest([args.events], sink=batches.append, batch_size=args.batch)
    rules = [settings().data_dir / "sigma" / "rules" / "windows"]
    detectors = {"current": SigmaDetector(rules, cache=RuleCache(args.cache))}
    if args.against:
        detector_module.Evaluator = evaluator_from(args.against)  # type: ignore[misc]
        detectors["against"] = SigmaDetector(rules, cache=RuleCache(args.cache))
    names = list(detectors)
    times: dict[str, list[float]] = {name: [] for name in names}
    alerts: dict[str, set[int]] = {name: set() for name in names}
    for repeat in range(args.repeat):
        spent = dict.fromkeys(names, 0.0)
        found = dict.fromkeys(names, 0)
        order = names if repeat % 2 == 0 else names[::-1]
        for batch in batches:
            for name in order:
                started = time.process_time()
                found[name] += len(detectors[name].detect(batch))
                spent[name] += time.process_time() - started
        for name in names:
            times[name].append(spent[name])
            alerts[name].add(found[name])
    for name in names:
        print(f"{name}: median {statistics.median(times[name]):.3f} CPU-s  runs {' '.join(f'{t:.2f}' for t in times[name])}"
              f"  alerts {sorted(alerts[name])}  batches {len(batches)}")


if __name__ == "__main__":
    main()
