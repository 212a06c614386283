"""STIX 2.1 validation: cybershield's validation (intel.validation.check) against stix2-validator itself.

Two sets of distinct objects: a feed of indicators (IPv4, domain, URL and SHA-256 patterns, each value
different) and the MITRE ATT&CK Enterprise bundle (../shared/data, 24,771 objects of 15 types; skipped
when absent). Prints objects/s of each on one core in this process (median of 3 runs; stix2-validator on a
sample, it is slow) and the ratio, then compares the verdicts of both on every object (``--all``;
by default on the sample) and prints how many differ (0 is the only acceptable figure).

    python bench/intel_validation.py [--feed 20000] [--sample 1000] [--all]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import statistics
import time
import uuid

from cybershield.config import settings
from cybershield.intel.validation import check, prepare, validate

STAMP = "2025-03-01T12:00:00.000Z"


def feed(count: int) -> list[dict]:
    """Distinct indicators, as a feed sends them."""
    out = []
    for n in range(count):
        kind = n % 4
        if kind == 0:
            pattern = f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']"
        elif kind == 1:
            pattern = f"[domain-name:value = 'c2-{n}.example.net']"
        elif kind == 2:
            pattern = f"[url:value = 'http://drop-{n}.example.org/p/{n * 7}.bin']"
        else:
            pattern = f"[file:hashes.'SHA-256' = '{hashlib.sha256(str(n).encode()).hexdigest()}']"
        out.append({"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
                    "created": STAMP, "modified": STAMP, "name": f"feed item {n}", "pattern_type": "stix",
                    "pattern": pattern, "valid_from": STAMP, "indicator_types": ["malicious-activity"],
                    "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]})
    return out


def rate(function, objects: list, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for obj in objects:
            function(obj)
        times.append(time.perf_counter() - started)
    return len(objects) / statistics.median(times)


def compare(name: str, objects: list[dict], sample: int, everything: bool) -> None:
    step = max(1, len(objects) // sample)
    peer_sample = objects[::step][:sample]
    ours, theirs = rate(check, objects), rate(validate, peer_sample, runs=1)
    compared = objects if everything else peer_sample
    differ = sum(check(obj).valid != validate(obj).valid for obj in compared)
    print(f"{name:<28}{len(objects):>10,}{ours:>14,.0f}{theirs:>18,.0f}{ours / theirs:>9.0f}x"
          f"{differ:>9} of {len(compared):,}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feed", type=int, default=20_000, help="indicators in the generated feed")
    parser.add_argument("--sample", type=int, default=1000, help="objects stix2-validator is timed on")
    parser.add_argument("--all", action="store_true", help="compare the verdicts on every object (slow)")
    args, _ = parser.parse_known_args()
    prepare()
    print(f"{'objects':<28}{'count':>10}{'cybershield/s':>14}{'stix2-validator/s':>18}{'ratio':>10}"
          f"{'verdicts differ':>20}")
    compare("indicator feed", feed(args.feed), args.sample, args.all)
    attack = settings().data_dir / "attack/enterprise-attack-18.1.stix21.json.gz"
    if attack.is_file():
        compare("ATT&CK Enterprise 18.1", json.loads(gzip.decompress(attack.read_bytes()))["objects"],
                args.sample, args.all)
    else:
        print(f"(ATT&CK bundle not found at {attack}: set CYBERSHIELD_DATA)")
    print("one core, this process; stix2-validator is timed on the sample, cybershield on every object")


if __name__ == "__main__":
    main()
