"""The hub as a service, measured as a sensor feed uses it: log bodies POSTed to ``/api/v1/ingest`` of a hub
under uvicorn on 127.0.0.1, until every event is detected, archived and its alerts stored.

Data: distinct Zeek conn records (JSON lines) of the last day, random hosts, ports and sizes; 0.5% of them
talk to one of the hub's indicator addresses (1,000 STIX indicators in its store) and raise an alert.

Figures: end-to-end events/s over HTTP (first POST to the pipeline drained: parsed, detected, archived,
alerts stored), the ingest answer's p50/p99, and the ingest-to-alert latency (a POST of 100 records with
one hit, until the alert is listed by ``GET /api/v1/alerts``; p50/p99). Peer, measured in the same run:
the batch engine of ``cybershield detect`` (``events.ingest`` into ``DetectRun``, same detectors, same
files, in-process: no HTTP, no bus, no archive, no database), whose events/s bounds what the service
can reach; the ratio is the service's share of it.

    python bench/hub_service.py [--events 200000] [--body 10000] [--passes 3] [--rounds 30]
"""

from __future__ import annotations

import os

os.environ.setdefault("CYBERSHIELD_VALIDATION_WORKERS", "1")  # the store validates 1,000 indicators: no worker pool

import argparse
import random
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from cybershield.config import Settings
from cybershield.detect import DetectRun
from cybershield.events import ingest
from cybershield.exchange import background_server, hash_secret
from cybershield.exercise import SAMPLE_RULES
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.web import create_app

HIT_SHARE = 0.005


def indicator_ips(rng: random.Random, n: int) -> list[str]:
    return [f"198.18.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(n)]


def stix_indicators(addresses: list[str]) -> list[dict]:
    stamp = "2026-11-01T00:00:00.000Z"
    return [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, a)}",
             "created": stamp, "modified": stamp, "name": f"C2 {a}", "pattern": f"[ipv4-addr:value = '{a}']",
             "pattern_type": "stix", "valid_from": stamp} for a in addresses]


def conn_lines(rng: random.Random, n: int, hits: list[str], start: datetime, hit_share: float = HIT_SHARE) -> bytes:
    """``n`` distinct Zeek conn records spread over the day after ``start``."""
    out = []
    for _ in range(n):
        responder = rng.choice(hits) if rng.random() < hit_share else \
            f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        out.append(orjson.dumps({
            "ts": (start + timedelta(seconds=rng.random() * 86_000)).timestamp(), "uid": f"C{rng.getrandbits(64):016x}",
            "id.orig_h": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "id.orig_p": rng.randint(1024, 65535), "id.resp_h": responder,
            "id.resp_p": rng.choice((53, 80, 443, 443, 22, 25, 3389)), "proto": rng.choice(("tcp", "udp")),
            "duration": round(rng.expovariate(1.0), 6), "orig_bytes": rng.randint(0, 100_000),
            "resp_bytes": rng.randint(0, 1_000_000), "conn_state": rng.choice(("SF", "S0", "REJ", "RSTO"))}))
    return b"\n".join(out) + b"\n"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def batch_rate(context: HubContext, folder: Path, bodies: list[bytes]) -> float:
    """The peer: the batch engine of ``cybershield detect`` over the same records, in-process."""
    files = []
    for n, body in enumerate(bodies):
        files.append(folder / f"body-{n}.log")
        files[-1].write_bytes(body)
    detectors, _ = context.build_detectors()
    began = time.perf_counter()
    run = DetectRun(detectors, None)
    summary = ingest(files, sink=run.batch)
    run.finish()
    seconds = time.perf_counter() - began
    for path in files:
        path.unlink()
    return summary.parsed / seconds


def service_rate(service: HubService, client: httpx.Client, bodies: list[bytes], answers: list[float]) -> float:
    """POST the bodies one after the other; events/s until the pipeline has drained."""
    events = sum(body.count(b"\n") for body in bodies)
    began = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        client.post("/api/v1/ingest", content=body).raise_for_status()
        answers.append(time.perf_counter() - sent)
    if not service.bus.drain(600):
        raise SystemExit("the pipeline did not drain in 10 minutes")
    return events / (time.perf_counter() - began)


def alert_latency(client: httpx.Client, rng: random.Random, hits: list[str]) -> float:
    """Seconds from a POST of 100 records with one hit until ``GET /api/v1/alerts`` lists its alert."""
    recent = datetime.now(UTC) - timedelta(hours=1)
    body = conn_lines(rng, 99, hits, recent, 0.0) + conn_lines(rng, 1, hits, recent, 1.0)
    newest = client.get("/api/v1/alerts", params={"limit": 1}).json()
    since = newest[-1]["alert"]["created"] if newest else "1970-01-01T00:00:00Z"
    sent = time.perf_counter()
    client.post("/api/v1/ingest", content=body).raise_for_status()
    while not client.get("/api/v1/alerts", params={"since": since, "kind": "indicator"}).json():
        time.sleep(0.002)
    return time.perf_counter() - sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="records per pass")
    parser.add_argument("--body", type=int, default=10_000, help="records per POST")
    parser.add_argument("--passes", type=int, default=3, help="passes of new records, each through both; medians")
    parser.add_argument("--rounds", type=int, default=30, help="ingest-to-alert latency rounds")
    args = parser.parse_args()
    rng = random.Random(20261202)
    hits = indicator_ips(rng, 1000)
    start = datetime.now(UTC) - timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as folder:
        root = Path(folder)
        settings = Settings(root / "no-data", root / "var", f"sqlite:///{root / 'var' / 'hub.db'}", root / "hub.yaml")
        config = parse_hub_config({"hub": {"name": "bench-hub", "country": "DE"},
                                   "accounts": {"feed": {"secret": hash_secret("pw", iterations=1000), "rights": ["admin"]}},
                                   "sigma": {"rules": [str(SAMPLE_RULES)]}, "ingest": {"max_body_bytes": 1 << 30}})
        context = HubContext.open(settings, config)
        context.store.add(stix_indicators(hits))
        service = HubService(context)
        batch_rates, service_rates, answers, latencies = [], [], [], []
        try:
            with background_server(create_app(service)) as url, httpx.Client(base_url=url, auth=("feed", "pw"),
                                                                              timeout=120) as client:
                for _ in range(args.passes):
                    bodies = [conn_lines(rng, min(args.body, args.events - i), hits, start)
                              for i in range(0, args.events, args.body)]
                    batch_rates.append(batch_rate(context, root, bodies))
                    service_rates.append(service_rate(service, client, bodies, answers))
                latencies = [alert_latency(client, rng, hits) for _ in range(args.rounds)]
            stored = service.pipeline.alerts_stored
        finally:
            service.close()
    batch, served = statistics.median(batch_rates), statistics.median(service_rates)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"hub service, {args.passes} passes of {args.events:,} distinct Zeek conn records in POSTs of "
          f"{args.body:,}, {len(hits):,} indicators, Sigma: our rules (medians)")
    print(f"  end-to-end over HTTP (parse, detect, archive, store): {served:,.0f} events/s ({stored:,} alerts stored)")
    print(f"  ingest answer per POST: p50 {statistics.median(answers) * 1000:,.0f} ms, "
          f"p99 {pct(answers, 0.99) * 1000:,.0f} ms")
    print(f"  ingest-to-alert (POST of 100 records, one hit, until GET /api/v1/alerts lists it), {args.rounds} rounds: "
          f"p50 {statistics.median(latencies) * 1000:,.0f} ms, p99 {pct(latencies, 0.99) * 1000:,.0f} ms")
    print(f"  peer, the batch engine of `cybershield detect` in-process on the same records: {batch:,.0f} events/s")
    print(f"  ratio service / batch engine: {served / batch:.2f}; peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
