"""Sigma coverage per log source: rules loaded, rules with a SigmaHQ regression sample, samples that fire.

Every rule of the SigmaHQ Windows set is compiled; every positive regression sample (an EVTX file
named by ``info.yml`` with the id of the rule it must trigger) is ingested and evaluated with the
whole set. The table, one row per log source (product/service/category), is printed as Markdown
for the README's detect section.

    .venv/bin/python bench/sigma_coverage.py [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from cybershield.config import settings
from cybershield.detect.sigma import SigmaDetector
from cybershield.detect.sigma.pipeline import logsource_name
from cybershield.events import ingest


def regression_samples(data: Path) -> list[tuple[str, Path]]:
    """(rule id, sample EVTX) of every positive SigmaHQ regression test under ``data``."""
    samples = []
    for info in sorted((data / "sigma" / "regression_data").rglob("info.yml")):
        meta = yaml.safe_load(info.read_text())
        for test in meta.get("regression_tests_info", []):
            if test.get("type") == "evtx":
                samples.append((meta["rule_metadata"][0]["id"], data / "sigma" / test["path"]))
    return samples


def missed_samples(detector: SigmaDetector, samples: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The samples whose rule does not fire on them."""
    missed = []
    for rule_id, path in samples:
        batches: list = []
        ingest([path], sink=batches.append)
        fired = {a.rule_id for b in batches for a in detector.detect(b)}
        if rule_id not in fired:
            missed.append((rule_id, path))
    return missed


def coverage(detector: SigmaDetector, samples: list[tuple[str, Path]]) -> list[tuple[str, int, int, int, int]]:
    """Per log source: (log source, rules loaded, rules with a sample, samples, samples that fire)."""
    sources = {str(r.id): logsource_name(r) for r in detector.ruleset.rules}
    loaded = Counter(sources[rule_id] for rule_id in {r.id for r in detector.rules} if rule_id in sources)
    missed = {(rule_id, path) for rule_id, path in missed_samples(detector, samples)}
    with_sample = Counter(sources.get(rule_id, "?") for rule_id in {rule_id for rule_id, _ in samples})
    sampled = Counter(sources.get(rule_id, "?") for rule_id, _ in samples)
    firing = Counter(sources.get(rule_id, "?") for rule_id, path in samples if (rule_id, path) not in missed)
    return [(name, loaded[name], with_sample[name], sampled[name], firing[name])
            for name in sorted(set(loaded) | set(sampled), key=lambda n: (-loaded[n], n))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table only")
    args = parser.parse_args()
    data = settings().data_dir
    if not (data / "sigma" / "regression_data").is_dir():
        print(f"skipped: shared data not found at {data}")
        return
    detector = SigmaDetector([data / "sigma" / "rules" / "windows"])
    samples = [(rule_id, path) for rule_id, path in regression_samples(data) if path.exists()]
    rows = coverage(detector, samples)
    totals = [sum(r[i] for r in rows) for i in range(1, 5)]
    header = ("log source (product/service/category)", "rules loaded", "rules with a sample", "samples",
              "samples that fire")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * 4)
        for row in [*rows, ("**all**", *totals)]:
            print("| " + " | ".join(str(v) for v in row) + " |")
        return
    table = Table(title="SigmaHQ Windows rules: coverage per log source")
    for col in header:
        table.add_column(col, justify="left" if col.startswith("log") else "right")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    table.add_row("all", *(f"{v:,}" for v in totals))
    Console(width=120).print(table)


if __name__ == "__main__":
    sys.exit(main())
