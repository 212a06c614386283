"""Early-warning latency across a live network on this machine.

Starts 4 national hubs and 1 cross-border hub (each its own process, SQLite, its own keys; our own Sigma
rules only, so that start-up is quick), then for each round a fresh campaign (its own C2 address, domain
and payload) is sighted in DE, then in FR. The latency is the time from the end of FR's ingest request to
the warning about that campaign being visible at every member (``GET /api/v1/warnings?since=`` on each
of the four, polled every 10 ms by a thread each). It prints p50/p90/p99 over the rounds, whether the p99
meets the target of 1 s and the machine's load average (a loaded machine gives slower figures), next to
the schedule of a pull-based peer: a MISP server pulling from its peers every ``--pull-interval`` seconds
(MISP's sync runs on a schedule, minutes to hours) sees a new event after half an interval on average and
a whole one at worst; that peer's figures are computed from the interval, not measured.

    .venv/bin/python bench/network.py [--rounds 100] [--pull-interval 60]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cybershield.exercise import SAMPLE_RULES
from cybershield.exercise.infrastructure import Infrastructure
from cybershield.exercise.recipes import StageContext, stage_records
from cybershield.exercise.scenario import Constituent
from cybershield.network.launcher import Plan, start_network, stop_pids

console = Console()


def phishing(infra: Infrastructure, network: str, seed: int) -> bytes:
    import ipaddress

    victim = Constituent("org", "health", "essential", ipaddress.ip_network(network))
    records = stage_records(StageContext(random.Random(seed), victim, infra, "phishing", "bench",
                                         datetime.now(UTC) - timedelta(minutes=1), None))
    return b"\n".join(r.line() for r in records if r.format == "evtx-json") + b"\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def after(received: str | None) -> dict:
    """The query for the warnings received after ``received`` (all when None): the list a poll reads stays short."""
    return {"since": received} if received else {}


def latest(warnings: list[dict], received: str | None) -> str | None:
    """The time the newest of ``warnings`` (oldest first) was received, else ``received``."""
    return warnings[-1]["received"] if warnings else received


def about(warnings: list[dict], infra: Infrastructure) -> bool:
    """Whether one of ``warnings`` is about this round's campaign (a late one from an earlier round is not)."""
    return any(value in w["name"] for w in warnings for value in infra.observables())


def first_seen(call: Callable[..., httpx.Response], infra: Infrastructure, started: float, hub: dict,
               since: str | None) -> float | None:
    """Seconds from ``started`` until ``hub`` lists a warning about ``infra`` received after ``since``; None after 20 s."""
    while time.perf_counter() - started < 20:
        if about(call(hub, "GET", "/api/v1/warnings", params=after(since)).json(), infra):
            return time.perf_counter() - started
        time.sleep(0.01)
    return None


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system, every thread) the processes ``pids`` used so far; from /proc, so 0 off Linux."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK") if ticks else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--pull-interval", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        console.print("starting 4 national hubs and 1 cross-border hub on 127.0.0.1 ...")
        hubs = start_network(Path(folder), Plan.of_size(4, 1), rules=[SAMPLE_RULES])
        by_name = {h["name"]: h for h in hubs}
        members = [h for h in hubs if h["role"] == "national"]
        client = httpx.Client(timeout=30)

        def call(hub: dict, method: str, path: str, **kwargs) -> httpx.Response:
            return client.request(method, hub["url"] + path, auth=(hub["username"], hub["password"]), **kwargs)

        latencies, missed, known = [], 0, {}
        load, cpu = os.getloadavg()[0], cpu_seconds([h["pid"] for h in hubs])
        pollers = ThreadPoolExecutor(len(members))
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("rounds", total=args.rounds)
                for n in range(args.rounds):
                    infra = Infrastructure.draw(random.Random(f"bench/{n}"), 1, 1, 1)
                    known = {h["name"]: latest(call(h, "GET", "/api/v1/warnings", params=after(known.get(h["name"])))
                                               .json(), known.get(h["name"])) for h in members}
                    call(by_name["de-hub"], "POST", "/api/v1/ingest", params={"format": "evtx-json"},
                         content=phishing(infra, "10.10.0.0/16", 2 * n))
                    time.sleep(0.3)  # DE's sighting lands first, as in a real campaign
                    call(by_name["fr-hub"], "POST", "/api/v1/ingest", params={"format": "evtx-json"},
                         content=phishing(infra, "10.20.0.0/16", 2 * n + 1))
                    started = time.perf_counter()
                    times = list(pollers.map(partial(first_seen, call, infra, started), members,
                                             [known[h["name"]] for h in members]))  # each member polled on its own
                    if None in times:
                        missed += 1
                    else:
                        latencies.append(max(times))
                    progress.advance(task)
        finally:
            cpu = cpu_seconds([h["pid"] for h in hubs]) - cpu
            pollers.shutdown()
            stop_pids([h["pid"] for h in hubs], timeout=5)
        load = max(load, os.getloadavg()[0])
    table = Table(title=f"early-warning latency, second country's sighting -> warning at all 4 members "
                        f"({len(latencies)} rounds, {missed} missed)")
    for column in ("", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="right")
    if latencies:
        table.add_row("cybershield (measured)", *(f"{percentile(latencies, q):.3f} s" for q in (0.5, 0.9, 0.99, 1.0)))
    interval = args.pull_interval
    table.add_row(f"scheduled pull every {interval:g} s (computed)", f"{interval / 2:.1f} s", f"{0.9 * interval:.1f} s",
                  f"{0.99 * interval:.1f} s", f"{interval:.1f} s")
    console.print(table)
    console.print(f"the five hubs' CPU time: {cpu / max(args.rounds, 1):.3f} s a round (all their processes' threads)")
    console.print(f"machine: {os.cpu_count()} CPUs, load average (1 min) up to {load:.1f} at the start and end of the run "
                  f"(above {os.cpu_count()}, other work shared the CPUs and the figures are slower than on a quiet machine)")
    if latencies:
        p99 = percentile(latencies, 0.99)
        console.print(f"p99 {p99:.3f} s (target <= 1 s: {'met' if p99 <= 1 else 'NOT met'}); "
                      f"median {statistics.median(latencies):.3f} s = {interval / 2 / statistics.median(latencies):.0f}x "
                      f"faster than the scheduled pull's median")


if __name__ == "__main__":
    main()
