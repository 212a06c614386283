"""TAXII logins under attack: a verified client's latency while 4 clients send wrong passwords.

The verified client reads the discovery resource 300 times, alone and then while 4 attacker threads
log in with wrong secrets as fast as they can (unknown and known names), against cybershield (PBKDF2
200,000 iterations, off the event loop, with login limits) and OASIS medallion (plain-text passwords,
no hashing at all), each server in its own process. Prints the verified client's median and p99
latency, and how many attacker attempts were answered 401 (hashed) or 429 (refused by the limits).

    python bench/taxii_logins.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from taxii import PASSWORD, USER, _serve_cybershield, _serve_medallion, percentile, server_process

ATTACKERS = 4
SAMPLES = 300


def latencies(base: str, stop_after: int = SAMPLES) -> list[float]:
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    session.headers["Accept"] = "application/taxii+json;version=2.1"
    assert session.get(base).status_code == 200  # verified (and remembered) before the clock starts
    times = []
    for _ in range(stop_after):
        started = time.perf_counter()
        assert session.get(base).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def attacked(base: str) -> tuple[list[float], dict[int, int]]:
    stop, answers, lock = threading.Event(), {}, threading.Lock()

    def attack(n: int) -> None:
        session = requests.Session()
        session.headers["Accept"] = "application/taxii+json;version=2.1"
        while not stop.is_set():
            name = USER if n % 2 else f"nobody-{uuid.uuid4().hex[:6]}"
            code = session.get(base, auth=(name, "wrong")).status_code
            with lock:
                answers[code] = answers.get(code, 0) + 1

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    try:
        return latencies(base), answers
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def measure(name: str, collection_url: str) -> dict:
    base = collection_url.split("/api1/")[0] + "/taxii2/"
    idle = latencies(base)
    busy, answers = attacked(base)
    return {"server": name, "idle_p50": statistics.median(idle), "busy_p50": statistics.median(busy),
            "busy_p99": percentile(busy, 0.99), "answers": answers}


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_known_args()  # make bench passes other scripts' options
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = []
        with server_process(_serve_cybershield, f"sqlite:///{workdir / 'logins.db'}", 0) as url:
            rows.append(measure("cybershield", url))
        with server_process(_serve_medallion, workdir) as url:
            rows.append(measure("medallion", url))
    print(f"{'server':<12} {'idle p50 ms':>12} {'attacked p50 ms':>16} {'attacked p99 ms':>16}  attacker answers")
    for row in rows:
        print(f"{row['server']:<12} {row['idle_p50']:>12.2f} {row['busy_p50']:>16.2f} {row['busy_p99']:>16.2f}  "
              + ", ".join(f"{code}: {n:,}" for code, n in sorted(row["answers"].items())))
    ours, peer = rows
    print(f"attacked p50, cybershield / medallion: {ours['busy_p50'] / peer['busy_p50']:.2f}x")


if __name__ == "__main__":
    main()
