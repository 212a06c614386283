"""Post-quantum inventory throughput: handshakes/s on one core, next to a per-row Python peer in the same run.

Generates ``--handshakes`` distinct Zeek JSON ssl records (distinct connections, clients, server
endpoints, SNI names and certificates; a realistic mix of TLS versions, groups including
X25519MLKEM768 and unknown code points, suites and certificate keys) plus their x509 log and some
ssh records, then measures, medians of ``--repeat`` runs, on one core (Polars and Arrow limited to one
thread):

* cybershield, inventory stage: classify + group into endpoints and uses + priorities, from the parsed
  handshake table (``build_inventory``);
* cybershield, end to end: ``read_inventory`` on the files (parsing included);
* the peer, "per-row Python": ``orjson.loads`` per line, a dict of certificates by fingerprint, the same
  rules (``classify_use``) called per handshake and endpoints aggregated in dicts; stage (over
  pre-loaded dicts) and end to end;
* the whole command as a user runs it (``cybershield pqc inventory FILES --json``): wall time and peak memory.

Target (issue 14): >= 200,000 handshakes/s on one core.

    python bench/pqc.py [--handshakes 200000] [--repeat 3]
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # before polars is imported

import argparse  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import orjson  # noqa: E402
import pyarrow as pa  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from cybershield.events import ingest  # noqa: E402
from cybershield.pqc import HandshakeCollector, build_inventory, classify_use, read_inventory  # noqa: E402
from cybershield.pqc.status import SEVERITY  # noqa: E402

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
console = Console(width=120)
TARGET = 200_000

_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
_TLS12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"]
_GROUPS = ["x25519"] * 40 + ["X25519MLKEM768"] * 25 + ["secp256r1"] * 20 + ["secp384r1"] * 5 + [None] * 8 + \
          ["SecP256r1MLKEM768", "MLKEM1024"]
_KEYS = [("rsaEncryption", "rsa", 2048, "sha256WithRSAEncryption")] * 6 + \
        [("rsaEncryption", "rsa", 4096, "sha384WithRSAEncryption")] * 2 + \
        [("id-ecPublicKey", "ecdsa", 256, "ecdsa-with-SHA256")] * 3 + \
        [("rsaEncryption", "rsa", 1024, "sha1WithRSAEncryption"), ("ML-DSA-65", None, None, "ML-DSA-65")]


def generate(folder: Path, n: int, seed: int = 14) -> list[Path]:
    """Distinct handshakes in Zeek JSON: ssl.log, x509.log and ssh.log under ``folder``."""
    rng = random.Random(seed)
    t0 = 1764583200.0
    n_certs = max(1, n // 20)
    n_servers = max(1, n // 10)
    certs = []
    x509 = []
    for i in range(n_certs):
        key_alg, key_type, length, sig = rng.choice(_KEYS)
        fp = f"{rng.getrandbits(256):064x}"
        certs.append(fp)
        record = {"ts": t0, "fingerprint": fp, "certificate.subject": f"CN=host{i}.example.eu",
                  "certificate.issuer": "CN=Example CA", "certificate.key_alg": key_alg,
                  "certificate.sig_alg": sig, "certificate.key_length": length, "certificate.key_type": key_type,
                  "certificate.not_valid_before": t0 - rng.randint(0, 800) * 86400,
                  "certificate.not_valid_after": t0 + rng.randint(30, 3000) * 86400, "san.dns": [f"host{i}.example.eu"]}
        x509.append(orjson.dumps({k: v for k, v in record.items() if v is not None}))
    ssl = []
    for i in range(n):
        server = rng.randrange(n_servers)
        roll = rng.random()
        version = "TLSv13" if roll < 0.6 else "TLSv12" if roll < 0.95 else rng.choice(["TLSv10", "TLSv11", "SSLv3"])
        cipher = rng.choice(_TLS13 if version == "TLSv13" else _TLS12)
        group = rng.choice(_GROUPS)
        if rng.random() < 0.02:
            group = f"unknown-{rng.randint(1000, 65000)}"
        record = {"ts": t0 + i * 3.7, "uid": f"C{i:x}{rng.getrandbits(40):x}",
                  "id.orig_h": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                  "id.orig_p": rng.randint(1024, 65535), "id.resp_h": f"172.{16 + server // 65536 % 16}."
                  f"{server // 256 % 256}.{server % 256}", "id.resp_p": rng.choice([443, 443, 443, 8443, 993, 465]),
                  "version": version, "cipher": cipher, "curve": group, "server_name": f"svc{server}.example.eu",
                  "established": True,
                  "cert_chain_fps": [certs[server % n_certs]] if version != "TLSv13" and rng.random() < 0.7 else []}
        if rng.random() < 0.05:  # a handshake that never completed
            record.update(version=None, cipher=None, curve=None)
        ssl.append(orjson.dumps({k: v for k, v in record.items() if v is not None}))
    ssh = [orjson.dumps({"ts": t0 + i, "uid": f"S{i}", "id.orig_h": f"10.1.{i // 256 % 256}.{i % 256}",
                         "id.orig_p": 40000 + i % 20000, "id.resp_h": f"192.168.{i % 200}.{i % 250}", "id.resp_p": 22,
                         "kex_alg": rng.choice(["curve25519-sha256", "mlkem768x25519-sha256",
                                                "sntrup761x25519-sha512@openssh.com", "diffie-hellman-group14-sha256"]),
                         "host_key_alg": rng.choice(["ssh-ed25519", "rsa-sha2-512", "ecdsa-sha2-nistp256"])})
           for i in range(max(1, n // 100))]
    paths = []
    for name, lines in (("ssl", ssl), ("x509", x509), ("ssh", ssh)):
        path = folder / f"{name}.log"
        path.write_bytes(b"\n".join(lines) + b"\n")
        paths.append(path)
    return paths


def _use(record: dict, cert: dict | None, service: str) -> dict:
    return {"sensor": "zeek", "service": service, "version": record.get("version"), "cipher": record.get("cipher"),
            "group": record.get("curve"), "cert_id_present": bool(record.get("cert_chain_fps")),
            "cert_found": cert is not None, "cert_key_alg": (cert or {}).get("certificate.key_alg"),
            "cert_key_type": (cert or {}).get("certificate.key_type"),
            "cert_key_length": (cert or {}).get("certificate.key_length"),
            "cert_sig_alg": (cert or {}).get("certificate.sig_alg"), "ssh_kex": record.get("kex_alg"),
            "ssh_host_key": record.get("host_key_alg")}


def peer_stage(records: dict[str, list[dict]]) -> int:
    """Per-row Python: the same rules per handshake, endpoints aggregated in dicts."""
    certs = {c["fingerprint"]: c for c in records["x509"]}
    endpoints: dict[tuple, dict] = {}
    for service, rows in (("tls", records["ssl"]), ("ssh", records["ssh"])):
        for r in rows:
            fps = r.get("cert_chain_fps") or []
            verdict = classify_use(_use(r, certs.get(fps[0]) if fps else None, service))
            key = (service, r.get("id.resp_h"), r.get("id.resp_p"))
            e = endpoints.setdefault(key, {"connections": 0, "clients": set(), "severity": 0})
            e["connections"] += 1
            e["clients"].add(r.get("id.orig_h"))
            e["severity"] = max(e["severity"], SEVERITY[verdict["status"]])
    return sum(e["connections"] for e in endpoints.values())


def peer_load(paths: list[Path]) -> dict[str, list[dict]]:
    return {p.stem: [orjson.loads(line) for line in p.read_bytes().splitlines() if line] for p in paths}


def median_rate(run: Callable[[], int], repeat: int) -> tuple[float, float]:
    """Median handshakes/s over CPU time of this process (one thread: one core) and over wall time."""
    cpu, wall = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        count = run()
        cpu.append(count / (time.process_time() - started_cpu))
        wall.append(count / (time.perf_counter() - started))
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--handshakes", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), args.handshakes)
        collector = HandshakeCollector()
        ingest(paths, sink=collector)
        handshakes, certificates = collector.handshakes(), collector.certificates()
        total = handshakes.height
        stage = median_rate(lambda: build_inventory(handshakes, certificates).summary["handshakes"]["read"],
                               args.repeat)
        e2e = median_rate(lambda: read_inventory(paths).summary["handshakes"]["read"], args.repeat)
        loaded = peer_load(paths)
        peer = median_rate(lambda: peer_stage(loaded), args.repeat)
        peer_e2e = median_rate(lambda: peer_stage(peer_load(paths)), args.repeat)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cybershield", "pqc", "inventory", *map(str, paths), "--json"],
                              capture_output=True, env={**os.environ, "POLARS_MAX_THREADS": "1"})
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        endpoints = orjson.loads(proc.stdout)["summary"]["endpoints"] if proc.returncode == 0 else "failed"
    table = Table(title=f"pqc inventory, {total:,} distinct handshakes ({args.handshakes:,} TLS + SSH), one core, "
                        f"median of {args.repeat}")
    for col in ("what", "handshakes/s (CPU)", "handshakes/s (wall)", "vs per-row Python peer (CPU)"):
        table.add_column(col, justify="right" if col != "what" else "left")
    rows = [("cybershield inventory stage (classify, endpoints, uses, priorities)", stage, peer),
            ("peer: per-row Python (classify_use per handshake, dict aggregation)", peer, peer),
            ("cybershield end to end (read Zeek JSON + inventory)", e2e, peer_e2e),
            ("peer end to end (orjson.loads per line + the above)", peer_e2e, peer_e2e)]
    for what, (cpu, wall_rate), (peer_cpu, _) in rows:
        table.add_row(what, f"{cpu:,.0f}", f"{wall_rate:,.0f}", f"{cpu / peer_cpu:.1f}x")
    console.print(table)
    console.print(f"whole command `cybershield pqc inventory ... --json` (start-up, reading, inventory, {endpoints} "
                  f"endpoints written as JSON): {child_cpu:.2f} s CPU ({total / child_cpu:,.0f} handshakes/s), "
                  f"{wall:.2f} s wall, peak RSS {child_rss:,.0f} MiB")
    console.print("CPU time is this process's (Polars and Arrow on one thread); wall time includes waiting for a "
                  "shared machine")
    verdict = "meets" if stage[0] >= TARGET else "misses"
    console.print(f"inventory stage {verdict} the target of {TARGET:,} handshakes/s (issue 14)")


if __name__ == "__main__":
    main()
