"""Indicator matching benchmark: N events (generated Arrow batches, a realistic mix of flows, DNS,
TLS, HTTP, file and mail events) against M STIX indicators (IPs, CIDRs, domains, URLs, hashes,
emails, JA3), on one core. Peer, measured in the same run: the plain way, a Python loop per row
doing ``set`` look-ups (and per-prefix-length sets for CIDRs) on a sample, extrapolated.

    python bench/detect_indicators.py [--events 10000000] [--indicators 1000000] [--batch 100000]
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # one core: set before Polars loads

import argparse
import gc
import ipaddress
import statistics
import time
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

pa.set_cpu_count(1)
pa.set_io_thread_count(1)

from cybershield.detect import IndicatorDetector  # noqa: E402

MIX = {"ip": 0.527, "cidr": 0.003, "domain": 0.22, "url": 0.05, "md5": 0.06, "sha256": 0.08, "email": 0.04, "ja3": 0.02}


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def hexes(rng, n: int, width: int) -> list[str]:
    raw = rng.integers(0, 2**63, size=(n, (width + 15) // 16), dtype=np.int64)
    return ["".join(f"{x:016x}" for x in row)[:width] for row in raw]


PUBLIC = np.array([a for a in range(11, 224) if a not in (100, 127, 169, 172, 192, 198)])


def ips(rng, n: int) -> list[str]:
    """Public addresses (feeds list no private ranges, and the internal hosts are in 10/8)."""
    first = PUBLIC[rng.integers(0, len(PUBLIC), size=n)]
    return [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first, rng.integers(1, 255, size=(n, 3)), strict=True)]


def domains(rng, n: int) -> list[str]:
    words = rng.integers(0, 36**7, size=n)
    tlds = np.array(["com", "net", "org", "ru", "cn", "io", "info", "xyz"])[rng.integers(0, 8, size=n)]
    return [f"{np.base_repr(int(w), 36).lower()}.{t}" for w, t in zip(words, tlds, strict=True)]


def indicator_values(rng, total: int) -> dict[str, list[str]]:
    counts = {k: int(total * share) for k, share in MIX.items()}
    counts["ip"] += total - sum(counts.values())
    return {
        "ip": ips(rng, counts["ip"]),
        "cidr": [f"{ip.rsplit('.', 1)[0]}.0/{p}" for ip, p in
                 zip(ips(rng, counts["cidr"]), rng.choice([16, 20, 24, 24, 24, 28, 28, 29], counts["cidr"]),
                     strict=True)],
        "domain": domains(rng, counts["domain"]),
        "url": [f"http://{d}/{p}.php" for d, p in zip(domains(rng, counts["url"]), hexes(rng, counts["url"], 8),
                                                        strict=True)],
        "md5": hexes(rng, counts["md5"], 32), "sha256": hexes(rng, counts["sha256"], 64),
        "email": [f"{u}@{d}" for u, d in zip(hexes(rng, counts["email"], 6), domains(rng, counts["email"]),
                                             strict=True)],
        "ja3": hexes(rng, counts["ja3"], 32),
    }


PATHS = {"ip": "ipv4-addr:value", "cidr": "ipv4-addr:value", "domain": "domain-name:value", "url": "url:value",
         "md5": "file:hashes.MD5", "sha256": "file:hashes.'SHA-256'", "email": "email-addr:value",
         "ja3": "x-ja3:value"}


def complex_patterns(values: dict[str, list[str]], count: int) -> list[str]:
    """Patterns beyond simple comparisons, as feeds carry a few: LIKE on domains, file name AND hash."""
    half = count // 2
    return ([f"[domain-name:value LIKE '%.{d}']" for d in values["domain"][-half:]] if half else []) + [
        f"[file:name = 'dropper{n}.exe' AND file:hashes.MD5 = '{h}']" for n, h in enumerate(values["md5"][:count - half])]


def stix_indicators(values: dict[str, list[str]], complex_count: int = 0):
    n = 0
    for pattern in complex_patterns(values, complex_count):
        n += 1
        yield {"type": "indicator", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
               "modified": "2024-01-01T00:00:00Z", "pattern": pattern, "pattern_type": "stix"}
    for kind, items in values.items():
        for value in items:
            n += 1
            yield {"type": "indicator", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
                   "modified": "2024-01-01T00:00:00Z", "pattern": f"[{PATHS[kind]} = '{value}']",
                   "pattern_type": "stix"}


class Traffic:
    """Value pools with a few known-bad values mixed in; batches drawn with Zipf-like popularity."""

    def __init__(self, rng, bad: dict[str, list[str]]):
        self.rng = rng

        def pool(fresh: list[str], bad_values: list[str], share: float = 0.002) -> pa.Array:
            k = min(len(bad_values), max(1, int(len(fresh) * share)))
            picked = [bad_values[i] for i in rng.choice(len(bad_values), k, replace=False)] if bad_values else []
            return pa.array(fresh + picked)

        inside = [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 255, size=(5000, 3))]
        cidr_hosts = [str(ipaddress.ip_network(c, strict=False)[7]) for c in bad["cidr"][:200]]
        self.internal = pa.array(inside)
        self.external = pool(ips(rng, 200_000) + cidr_hosts, bad["ip"])
        self.domain = pool(domains(rng, 100_000), bad["domain"])
        self.url_domain = domains(rng, 20_000)
        self.url = pool([f"http://{d}/{p}/index.html" for d, p in zip(self.url_domain, hexes(rng, 20_000, 6),
                                                                       strict=True)], bad["url"])
        self.md5 = pool(hexes(rng, 20_000, 32), bad["md5"])
        self.sha256 = pool(hexes(rng, 20_000, 64), bad["sha256"])
        self.email = pool([f"u{i}@{d}" for i, d in enumerate(domains(rng, 5_000))], bad["email"])
        self.ja3 = pool(hexes(rng, 2_000, 32), bad["ja3"])

    def draw(self, pool: pa.Array, n: int, present: float) -> pa.Array:
        idx = (self.rng.zipf(1.2, n) - 1) % len(pool)
        mask = self.rng.random(n) >= present
        return pool.take(pa.array(idx, mask=mask))

    def batch(self, n: int, start: int) -> pa.Table:
        now = int(datetime.now(UTC).timestamp() * 1e6)
        return pa.table({
            "@timestamp": pa.array(np.full(n, now), pa.timestamp("us", tz="UTC")),
            "event.provenance.source": pa.array(["bench"] * n),
            "event.provenance.record_id": pa.array(np.arange(start, start + n)),
            "source.ip": self.draw(self.internal, n, 1.0),
            "destination.ip": self.draw(self.external, n, 1.0),
            "dns.question.name": self.draw(self.domain, n, 0.30),
            "tls.client.server_name": self.draw(self.domain, n, 0.15),
            "tls.client.ja3": self.draw(self.ja3, n, 0.15),
            "url.original": self.draw(self.url, n, 0.10),
            "file.hash.md5": self.draw(self.md5, n, 0.05),
            "file.hash.sha256": self.draw(self.sha256, n, 0.05),
            "email.from.address": self.draw(self.email, n, 0.02),
        })


def peer(values: dict[str, list[str]], tables: list[pa.Table]) -> tuple[float, float]:
    """The plain way: per row, Python set look-ups (domains and their parents; CIDRs per prefix length).
    Returns events/s by the wall clock and per CPU-second."""
    exact_ip = set(values["ip"])
    nets: dict[int, set[int]] = {}
    for c in values["cidr"]:
        net = ipaddress.ip_network(c, strict=False)
        nets.setdefault(net.prefixlen, set()).add(int(net.network_address))
    sets = {k: set(values[k]) for k in ("md5", "sha256", "email", "ja3", "url")}
    doms = set(values["domain"])
    hits = rows = 0
    started, cpu = time.perf_counter(), time.process_time()
    for table in tables:
        cols = {c: table.column(c).to_pylist() for c in table.column_names}
        for i in range(table.num_rows):
            rows += 1
            for c in ("source.ip", "destination.ip"):
                ip = cols[c][i]
                if ip in exact_ip:
                    hits += 1
                number = int(ipaddress.IPv4Address(ip))
                for length, bucket in nets.items():
                    if (number >> (32 - length) << (32 - length)) in bucket:
                        hits += 1
            for c in ("dns.question.name", "tls.client.server_name"):
                name = cols[c][i]
                while name and "." in name:
                    hits += name in doms
                    name = name.split(".", 1)[1]
            for c, k in (("url.original", "url"), ("file.hash.md5", "md5"), ("file.hash.sha256", "sha256"),
                         ("email.from.address", "email"), ("tls.client.ja3", "ja3")):
                hits += cols[c][i] in sets[k]
    return rows / (time.perf_counter() - started), rows / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--peer-events", type=int, default=200_000)
    parser.add_argument("--complex", type=int, default=20, help="how many of the indicators have complex patterns")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)

    values = indicator_values(rng, args.indicators - args.complex)
    gc.collect()
    before = rss()
    started = time.perf_counter()
    detector = IndicatorDetector(stix_indicators(values, args.complex))
    compile_s = time.perf_counter() - started
    gc.collect()
    index_rss = rss() - before
    info = detector.describe()
    assert info["rejected"] == 0, info["rejections"][:3]

    traffic = Traffic(rng, values)
    rates, cpu_rates, alerts, done, total_s = [], [], 0, 0, 0.0
    peak_before = rss()
    while done < args.events:
        n = min(args.batch, args.events - done)
        table = traffic.batch(n, done)
        t, c = time.perf_counter(), time.process_time()
        alerts += len(detector.detect(table))
        wall = time.perf_counter() - t
        total_s += wall
        rates.append(n / wall)
        cpu_rates.append(n / max(time.process_time() - c, 1e-9))
        done += n
    matching_rss = rss() - peak_before

    sample = [traffic.batch(min(args.batch, args.peer_events), 0)]
    while sum(t.num_rows for t in sample) < args.peer_events:
        sample.append(traffic.batch(min(args.batch, args.peer_events - sum(t.num_rows for t in sample)), 0))
    peer_rate, peer_cpu_rate = peer(values, sample)

    median, cpu_median = statistics.median(rates), statistics.median(cpu_rates)
    print(f"indicators            {info['indicators']:>14,}  compiled in {compile_s:.1f} s "
          f"(complex patterns: {info['complex_patterns']})")
    print(f"index memory          {info['index_bytes'] / 2**20:>14,.1f} MiB arrays; RSS delta of compiling "
          f"{index_rss / 2**20:,.0f} MiB; RSS change while matching {matching_rss / 2**20:,.0f} MiB")
    print(f"events                {done:>14,}  in {len(rates)} batches of {args.batch:,}; alerts {alerts:,}")
    print("                      wall clock        per CPU-second (the machine may be shared)")
    print(f"cybershield           {median:>14,.0f}  {cpu_median:>14,.0f}  events/s, median per batch, one core "
          f"(overall wall {done / total_s:,.0f})")
    print(f"peer: Python sets     {peer_rate:>14,.0f}  {peer_cpu_rate:>14,.0f}  events/s, per-row loop on "
          f"{args.peer_events:,} events")
    print(f"ratio                 {median / peer_rate:>14,.1f}x {cpu_median / peer_cpu_rate:>14,.1f}x")
    print(f"target >= 2,000,000 events/s on one core: {'met' if cpu_median >= 2_000_000 else 'NOT met'} "
          f"(per CPU-second); {'met' if median >= 2_000_000 else 'not met'} by the wall clock")


if __name__ == "__main__":
    main()
