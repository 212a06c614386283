"""TAXII 2.1 benchmark: the same taxii2-client workload against cybershield and OASIS medallion (memory backend).

For each store size: POST objects/s (envelopes of 1,000), full paged GET objects/s (limit=1000), GET object
by id p50/p99 (random ids), and the server process's own CPU time per POSTed object and per GET by id (from
/proc: the figures that do not depend on what else the machine runs). ``--runs N`` repeats each size and
prints the median of each figure. Each server runs in a process of its own on 127.0.0.1; cybershield on
uvicorn over SQLite (or ``--db-url``), medallion on werkzeug. Medallion above 2,000 objects is too slow
to page through (its memory backend rescans all objects for every object it returns: about 9 minutes a
page at 10,000): there its paged GET is extrapolated from its first page timed at 2,000 and 3,000 objects
(power-law fit, printed), and GET by id is measured on 5 ids; the table marks the extrapolation with ``~``.

``--asgi`` adds the CPU per GET by id through the ASGI app in this process at each ``--big`` size.

cybershield alone runs at 100,000 objects (``--huge`` adds 1,000,000). At those sizes the store is
preloaded through the store's row path without validation (validation costs the same per object at any
size and is in the POST figure), then the last 10,000 are POSTed and timed.

    python bench/taxii.py [--sizes 1000,10000] [--big 100000] [--huge] [--runs 3] [--asgi] [--db-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import math
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uvicorn
from sqlalchemy import insert
from taxii2client.v21 import Collection, as_pages

from cybershield.exchange import TaxiiSettings, create_app, hash_secret
from cybershield.intel import IntelStore, SharingPolicy
from cybershield.intel.stixtime import now
from cybershield.intel.store import T, _row

USER, PASSWORD = "bench", "bench-secret"
BATCH = 1000


def indicators(start: int, count: int) -> list[dict]:
    stamp = "2024-01-01T00:00:00.000Z"
    return [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
             "created": stamp, "modified": stamp, "name": f"c2 {n}", "pattern_type": "stix",
             "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']", "valid_from": stamp,
             "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
            for n in range(start, start + count)]


def post(col: Collection, objects: list[dict]) -> float:
    started = time.perf_counter()
    for i in range(0, len(objects), BATCH):
        status = col.add_objects(json.dumps({"objects": objects[i:i + BATCH]}))
        assert status.failure_count == 0, status.failures[:2]
    return len(objects) / (time.perf_counter() - started)


def paged_get(col: Collection, expected: int) -> float:
    started, got = time.perf_counter(), 0
    for envelope in as_pages(col.get_objects, per_request=1000):
        got += len(envelope.get("objects", []))
    assert got == expected, (got, expected)
    return got / (time.perf_counter() - started)


def first_page_seconds(col: Collection) -> float:
    started = time.perf_counter()
    assert len(col.get_objects(limit=1000)["objects"]) == 1000
    return time.perf_counter() - started


def get_by_id(col: Collection, ids: list[str], samples: int) -> list[float]:
    times = []
    for oid in random.Random(7).sample(ids, min(samples, len(ids))):
        started = time.perf_counter()
        assert col.get_object(oid)["objects"][0]["id"] == oid
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_workload(name: str, server: tuple[str, int], size: int, preloaded: int, samples: int,
                 get_rate: float | None = None) -> dict:
    """POST, paged GET (unless ``get_rate`` is given: an extrapolation) and GET by id on one server."""
    url, pid = server
    col = Collection(url, user=USER, password=PASSWORD)
    assert col.can_write  # the server is up and answering before any clock starts
    objects = indicators(preloaded, size - preloaded)
    cpu = cpu_seconds(pid)
    post_rate = post(col, objects)
    post_cpu, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
    extrapolated = get_rate is not None
    if get_rate is None:
        get_rate = paged_get(col, size)
    ids = [o["id"] for o in indicators(0, size)]
    cpu = cpu_seconds(pid)
    by_id = get_by_id(col, ids, samples)
    id_cpu = cpu_seconds(pid) - cpu
    return {"server": name, "objects": size, "post_per_s": post_rate, "post_cpu_us": post_cpu / len(objects) * 1e6,
            "get_per_s": get_rate, "get_extrapolated": extrapolated, "id_p50_ms": statistics.median(by_id),
            "id_p99_ms": percentile(by_id, 0.99), "id_cpu_ms": id_cpu / len(by_id) * 1000, "id_samples": len(by_id)}


def median_run(runs: list[dict]) -> dict:
    """The median of each figure over repeated runs of one workload."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            merged[key] = statistics.median(r[key] for r in runs)
    merged["runs"] = len(runs)
    return merged


def _cybershield_app(db_url: str, preloaded: int):
    """The TAXII app over a store preloaded with ``preloaded`` indicators, and its collection's id."""
    config = {"hub": {"name": "bench-hub", "default_tlp": "GREEN"},
              "taxii": {"max_content_length": 100_000_000, "collections": {"bench": {"title": "bench"}}},
              "peers": {USER: {"secret": hash_secret(PASSWORD), "read": ["bench"], "write": ["bench"]}}}
    store, settings = IntelStore.open(db_url), TaxiiSettings.from_config(config)
    preload(store, preloaded)
    return create_app(store, SharingPolicy.from_config(config), settings), next(iter(settings.collections))


def _serve_cybershield(db_url: str, preloaded: int, ready) -> None:
    app, cid = _cybershield_app(db_url, preloaded)
    sock = _socket()
    ready.put((sock.getsockname()[1], cid))
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


def _serve_medallion(workdir: Path, ready) -> None:
    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    cid = str(uuid.uuid4())
    server = make_server("127.0.0.1", 0, application_instance, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    data = {"/discovery": {"title": "medallion", "default": f"{base}/api1/", "api_roots": [f"{base}/api1/"]},
            "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"],
                                     "max_content_length": 100_000_000},
                     "status": [], "collections": [{"id": cid, "title": "bench", "can_read": True, "can_write": True,
                                                    "media_types": ["application/stix+json;version=2.1"],
                                                    "objects": [], "manifest": []}]}}
    path = workdir / f"medallion-{cid}.json"
    path.write_text(json.dumps(data))
    set_config(application_instance, "users", {"users": {USER: PASSWORD}})
    set_config(application_instance, "taxii", {"taxii": {"max_page_size": 1000}})
    set_config(application_instance, "backend", {"backend": {"module": "medallion.backends.memory_backend",
                                                             "module_class": "MemoryBackend", "filename": str(path)}})
    register_blueprints(application_instance)
    ready.put((server.server_port, cid))
    server.serve_forever()


def _socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections queue until the server accepts them
    return sock


@contextlib.contextmanager
def server_process(target, *args):
    """Run a server in its own process (in-process threads would share the GIL with the client)."""
    ready = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, ready))
    process.start()
    try:
        port, cid = ready.get(timeout=1800)
        yield f"http://127.0.0.1:{port}/api1/collections/{cid}/", process.pid
    finally:
        process.terminate()
        process.join(10)


def asgi_get_cpu_ms(size: int, workdir: Path, samples: int = 1000) -> float:
    """CPU ms per GET by id through the ASGI app in this process (no sockets, no client): the server's own
    path (login check, TLP gate, store, JSON), median of 3 rounds of ``samples`` random ids."""
    app, cid = _cybershield_app(f"sqlite:///{workdir / f'asgi-{uuid.uuid4().hex[:8]}.db'}", size)
    auth = b"Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode())

    async def get(object_id: str) -> None:
        path = f"/api1/collections/{cid}/objects/{object_id}/"
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"bench"), (b"authorization", auth), (b"accept", b"application/taxii+json")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)
        assert sent[0]["status"] == 200, sent

    async def rounds() -> list[float]:
        ids = [o["id"] for o in indicators(0, size)]
        await get(ids[0])  # the first login hashes the secret
        times = []
        for n in range(3):
            started = time.process_time()
            for oid in random.Random(n).sample(ids, samples):
                await get(oid)
            times.append((time.process_time() - started) / samples * 1000)
        return times

    return statistics.median(asyncio.run(rounds()))


def preload(store: IntelStore, count: int) -> None:
    """Rows straight into the store (no validator call): only for the sizes beyond the POST sample."""
    for i in range(0, count, 20_000):
        rows = []
        for obj in indicators(i, min(20_000, count - i)):
            row = _row(obj, "bench", None)
            row.update(date_added=now(), latest=True, first=True)
            rows.append(row)
        with store.engine.begin() as conn:
            conn.execute(insert(T), rows)


def bench_cybershield(size: int, db_url: str | None, workdir: Path, post_sample: int | None = None) -> dict:
    url = db_url or f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    preloaded = size - post_sample if post_sample else 0
    with server_process(_serve_cybershield, url, preloaded) as server:
        return run_workload("cybershield", server, size, preloaded, 1000)


def medallion_page_fit(workdir: Path, size: int) -> float:
    """Medallion's paged GET objects/s at ``size``, extrapolated: its first page is timed at 2,000 and 3,000
    objects, a power law t = a * n^k fitted through both, and every page at ``size`` costs t(size)."""
    with server_process(_serve_medallion, workdir) as (collection, _):
        col = Collection(collection, user=USER, password=PASSWORD)
        post(col, indicators(0, 2000))
        t2 = first_page_seconds(col)
        post(col, indicators(2000, 1000))
        t3 = first_page_seconds(col)
    k = math.log(t3 / t2) / math.log(1.5)
    predicted = t3 * (size / 3000) ** k
    print(f"medallion first page (limit=1000): {t2:.1f} s at 2,000 objects, {t3:.1f} s at 3,000; fitted exponent "
          f"{k:.2f}; extrapolated {predicted:,.0f} s a page at {size:,} objects", flush=True)
    return 1000 / predicted


def bench_medallion(size: int, workdir: Path) -> dict:
    if size <= 2000:
        with server_process(_serve_medallion, workdir) as server:
            return run_workload("medallion", server, size, 0, 100)
    rate = medallion_page_fit(workdir, size)
    with server_process(_serve_medallion, workdir) as server:
        return run_workload("medallion", server, size, 0, 5, get_rate=rate)


def show(results: list[dict]) -> None:
    print(f"{'server':<12}{'objects':>10}{'POST obj/s':>12}{'CPU us/obj':>11}{'paged GET obj/s':>17}"
          f"{'by id p50 ms':>14}{'by id p99 ms':>14}{'CPU ms/GET':>12}{'samples':>9}{'runs':>6}")
    for r in results:
        mark = "~" if r["get_extrapolated"] else " "
        print(f"{r['server']:<12}{r['objects']:>10,}{r['post_per_s']:>12,.0f}{r['post_cpu_us']:>11.0f}"
              f"{mark + format(r['get_per_s'], ',.0f'):>17}{r['id_p50_ms']:>14.2f}{r['id_p99_ms']:>14.2f}"
              f"{r['id_cpu_ms']:>12.2f}{r['id_samples']:>9}{r.get('runs', 1):>6}")


def compared(ours: float, theirs: float, *, higher_is_better: bool) -> str:
    """'12x faster' or '3.5x slower': cybershield against medallion, never a ratio rounded to 0."""
    better = ours / theirs if higher_is_better else theirs / ours
    factor = better if better >= 1 else 1 / better
    return f"{factor:.{0 if factor >= 10 else 1}f}x {'faster' if better >= 1 else 'slower'}"


def ratios(results: list[dict]) -> None:
    by = {(r["server"], r["objects"]): r for r in results}
    for size in sorted({r["objects"] for r in results}):
        ours, theirs = by.get(("cybershield", size)), by.get(("medallion", size))
        if ours and theirs:
            print(f"at {size:,} objects, cybershield against medallion: "
                  f"POST {compared(ours['post_per_s'], theirs['post_per_s'], higher_is_better=True)}, "
                  f"paged GET {compared(ours['get_per_s'], theirs['get_per_s'], higher_is_better=True)}"
                  f"{' (medallion extrapolated from its first page)' if theirs['get_extrapolated'] else ''}, "
                  f"GET by id p50 {compared(ours['id_p50_ms'], theirs['id_p50_ms'], higher_is_better=False)}, "
                  f"p99 {compared(ours['id_p99_ms'], theirs['id_p99_ms'], higher_is_better=False)}; server CPU "
                  f"per POSTed object {compared(ours['post_cpu_us'], theirs['post_cpu_us'], higher_is_better=False)}, "
                  f"per GET by id {compared(ours['id_cpu_ms'], theirs['id_cpu_ms'], higher_is_better=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="sizes run against both servers")
    parser.add_argument("--big", default="100000", help="sizes run against cybershield alone ('' for none)")
    parser.add_argument("--huge", action="store_true", help="add 1,000,000 objects (cybershield alone)")
    parser.add_argument("--no-medallion", action="store_true", help="skip medallion")
    parser.add_argument("--db-url", help="a database for cybershield (default: a fresh SQLite file per size)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each size; the table shows their medians")
    parser.add_argument("--asgi", action="store_true",
                        help="also CPU ms per GET by id through the ASGI app in this process, at each --big size")
    args, _ = parser.parse_known_args()
    results, started = [], time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",") if s):
            results.append(median_run([bench_cybershield(size, args.db_url, workdir) for _ in range(args.runs)]))
            if not args.no_medallion:
                results.append(median_run([bench_medallion(size, workdir) for _ in range(args.runs)]))
            show(results[-2:] if not args.no_medallion else results[-1:])
        big = [int(s) for s in args.big.split(",") if s] + ([1_000_000] if args.huge else [])
        for size in big:
            results.append(median_run([bench_cybershield(size, args.db_url, workdir, post_sample=10_000)
                                       for _ in range(args.runs)]))
            show(results[-1:])
        if args.asgi:
            for size in big:
                print(f"cybershield at {size:,} objects: {asgi_get_cpu_ms(size, workdir):.2f} CPU ms per GET by id "
                      "through the ASGI app in process (no sockets, no client)", flush=True)
    print("\nTAXII 2.1, taxii2-client workload (medians of the by-id samples and of the runs; CPU = the server "
          "process's own CPU time; ~ = extrapolated from one page)")
    show(results)
    ratios(results)
    print(f"(ran {time.monotonic() - started:,.0f} s; POST includes validation of every object with "
          f"stix2-validator's verdicts, which medallion does not validate)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
