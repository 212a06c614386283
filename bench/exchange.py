"""Exchange throughput: signed STIX objects per second through envelopes, sealed by one hub and opened by another.

Distinct, realistic objects (indicators of four pattern kinds with kill-chain phases and references, and
sightings of them with country-level where_sighted_refs), a fresh set for every repetition, travel in signed
batches (``--batch`` objects per envelope): GREEN in clear, AMBER+STRICT encrypted to ``--recipients`` hubs
(X25519 + ML-KEM-768 per recipient). The figure is seal + open on one core (the sender's and the receiver's
work added up: objects / (seal seconds + open seconds)), beside seal alone and open alone. Peers measured in
the same run: the same kind of objects each signed and verified on their own with the same hybrid pair
(Ed25519 + ML-DSA-65; what signing without batches costs), and plain JSON (orjson dumps + loads of the same
batches, no cryptography: the ceiling). Every figure is given in CPU time (``time.process_time``; all of it
runs on one thread, so this is one core's work, whatever else the machine runs) and in wall-clock time
(which a loaded machine stretches: the load average is printed). Medians over ``--repeats``; the process's
peak memory and total time at the end.

    python bench/exchange.py [--objects 20000] [--batch 1000] [--recipients 3] [--repeats 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson

from cybershield.exchange import EnvelopeReceiver, EnvelopeSealer, HubIdentity, HubKeys, Keyring, stix_bundle
from cybershield.exchange.algorithms import DEFAULT_SIGNATURES, canonical
from cybershield.exchange.envelope import SIGNATURE_CONTEXT
from cybershield.exchange.keys import PrivateKeys
from cybershield.intel import TLP2_IDS

TARGET = 20_000
COUNTRIES = ["DE", "FR", "IT", "PL", "ES", "NL", "BE", "AT", "SE", "CZ"]
PHASES = ["initial-access", "execution", "command-and-control", "exfiltration", "lateral-movement"]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def objects(start: int, count: int, tlp: str) -> list[dict]:
    """``count`` distinct objects: three indicators, then a sighting of the last of them, and so on."""
    marking, base, out = TLP2_IDS[tlp], datetime(2026, 11, 1, tzinfo=UTC), []
    last_indicator = None
    for n in range(start, start + count):
        moment = base + timedelta(seconds=37 * n)
        if n % 4 == 3 and last_indicator:
            country = COUNTRIES[n % len(COUNTRIES)]
            out.append({"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.UUID(int=n + 1, version=4)}",
                        "created": _stamp(moment), "modified": _stamp(moment), "sighting_of_ref": last_indicator,
                        "first_seen": _stamp(moment - timedelta(hours=n % 48)), "last_seen": _stamp(moment),
                        "count": 1 + n % 97, "where_sighted_refs": [f"identity--{uuid.uuid5(uuid.NAMESPACE_DNS, country)}"],
                        "x_cybershield_country": country, "object_marking_refs": [marking]})
            continue
        kind = n % 4
        if kind == 0:
            value, pattern = f"185.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", "[ipv4-addr:value = '{}']"
        elif kind == 1:
            value, pattern = f"upd{n:x}.cdn-{n % 613}.example", "[domain-name:value = '{}']"
        else:
            value = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
            pattern = "[file:hashes.'SHA-256' = '{}']"
        identifier = f"indicator--{uuid.UUID(int=n + 1, version=4)}"
        out.append({"type": "indicator", "spec_version": "2.1", "id": identifier, "created": _stamp(moment),
                    "modified": _stamp(moment), "name": f"campaign {n % 211} infrastructure {n}",
                    "description": f"Seen by {COUNTRIES[n % len(COUNTRIES)]} hub in incident INC-{2026_000 + n}.",
                    "indicator_types": ["malicious-activity"], "pattern_type": "stix", "pattern": pattern.format(value),
                    "valid_from": _stamp(moment), "confidence": 40 + n % 60,
                    "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": PHASES[n % len(PHASES)]}],
                    "external_references": [{"source_name": "mitre-attack", "external_id": f"T{1000 + n % 600}"}],
                    "object_marking_refs": [marking]})
        last_indicator = identifier
    return out


def hub(name: str, country: str) -> HubKeys:
    return HubKeys(HubIdentity.new(name, country, "national"), (PrivateKeys.generate(name),))


class Clock:
    """Seconds of CPU time and of wall-clock time of one piece of work."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def stop(self) -> tuple[float, float]:
        return time.process_time() - self.cpu, time.perf_counter() - self.wall


def envelopes_once(sealer: EnvelopeSealer, receiver: EnvelopeReceiver, batch: list[dict], size: int,
                   recipients: list[str]) -> dict:
    clock = Clock()
    sealed = sealer.seal_objects(batch, recipients, batch_size=size)
    seal = clock.stop()
    clock = Clock()
    received = sum(len(receiver.open(data).objects) for data in sealed)  # each batch handed on, as a hub stores it
    open_ = clock.stop()
    assert received == len(batch), (received, len(batch))
    n = len(batch)
    return {"cpu": n / (seal[0] + open_[0]), "wall": n / (seal[1] + open_[1]), "seal": n / seal[0], "open": n / open_[0],
            "bytes": sum(len(d) for d in sealed) / n}


def per_object_signing(sender: HubKeys, batch: list[dict]) -> dict:
    """Objects/s when each object is signed and verified on its own with the hybrid pair."""
    public, private = sender.current.public, sender.current
    clock = Clock()
    for obj in batch:
        data = canonical(obj)
        assert public.verify(private.sign(data, SIGNATURE_CONTEXT), DEFAULT_SIGNATURES, data, SIGNATURE_CONTEXT) is None
    cpu, wall = clock.stop()
    return {"cpu": len(batch) / cpu, "wall": len(batch) / wall}


def plain_json(batch: list[dict], size: int) -> dict:
    clock = Clock()
    for i in range(0, len(batch), size):
        orjson.loads(orjson.dumps(stix_bundle(batch[i:i + size])))
    cpu, wall = clock.stop()
    return {"cpu": len(batch) / cpu, "wall": len(batch) / wall}


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=20_000, help="objects per repetition and mode")
    parser.add_argument("--batch", type=int, default=1000, help="objects per envelope")
    parser.add_argument("--recipients", type=int, default=3, help="recipients of each AMBER+STRICT envelope")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-objects", type=int, default=1000, help="objects signed one by one (the peer)")
    args, _ = parser.parse_known_args()
    started = time.monotonic()
    names = ["de-hub"] + [f"peer-{i}" for i in range(args.recipients)]
    hubs = {name: hub(name, COUNTRIES[i % len(COUNTRIES)]) for i, name in enumerate(names)}
    ring = Keyring(h.bundle() for h in hubs.values())
    sealer = EnvelopeSealer(hubs["de-hub"], ring)
    recipients = names[1:]
    rows: dict[str, list[dict]] = {"GREEN (signed)": [], "AMBER+STRICT (signed, encrypted)": []}
    peer_runs, json_runs = [], []
    offset = 0
    for _ in range(args.repeats):
        for label, tlp in (("GREEN (signed)", "GREEN"), ("AMBER+STRICT (signed, encrypted)", "AMBER+STRICT")):
            batch = objects(offset, args.objects, tlp)
            offset += args.objects
            receiver = EnvelopeReceiver(hubs[recipients[0]], ring)
            rows[label].append(envelopes_once(sealer, receiver, batch, args.batch, recipients))
            json_runs.append(plain_json(batch, args.batch))
        peer = objects(offset, args.peer_objects, "GREEN")
        offset += args.peer_objects
        peer_runs.append(per_object_signing(hubs["de-hub"], peer))

    print(f"exchange throughput: {args.objects:,} distinct objects per run, {args.batch:,} per envelope, "
          f"{args.recipients} recipients of AMBER+STRICT, median of {args.repeats}, one core")
    print(f"{'objects/s':<36}{'seal+open cpu':>14}{'(wall)':>9}{'seal cpu':>10}{'open cpu':>10}{'bytes/obj':>11}")
    for label, runs in rows.items():
        print(f"{label:<36}{median(runs, 'cpu'):>14,.0f}{median(runs, 'wall'):>9,.0f}{median(runs, 'seal'):>10,.0f}"
              f"{median(runs, 'open'):>10,.0f}{median(runs, 'bytes'):>11,.0f}")
    for label, runs in (("peer: each object signed + verified", peer_runs), ("peer: plain JSON dumps + loads", json_runs)):
        print(f"{label:<36}{median(runs, 'cpu'):>14,.0f}{median(runs, 'wall'):>9,.0f}")
    for label, runs in rows.items():
        rate = median(runs, "cpu")
        print(f"{label}: {rate / median(peer_runs, 'cpu'):.0f}x signing each object, {rate / median(json_runs, 'cpu'):.0%} "
              f"of plain JSON; target {TARGET:,} obj/s on one core {'met' if rate >= TARGET else 'NOT met'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(whole process: {time.monotonic() - started:,.1f} s including key and object generation, peak memory "
          f"{peak:,.0f} MiB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
