"""The inventory: classified handshakes grouped into endpoints and their uses, prioritised.

An endpoint is a server address, port and service (tls or ssh); a use is one combination of what it
negotiated and presented (protocol, key exchange, cipher, certificate or SSH host key), with how many
connections and distinct clients used it. An endpoint's status is the worst of its uses'.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from ..events import FormatStats, Quarantine, discover, ingest
from .classify import classify
from .handshakes import HandshakeCollector
from .priorities import Constituent, earliest, why, with_priorities
from .status import SEVERITY, STATUSES, UNKNOWN, empty_counts

log = logging.getLogger(__name__)

ENDPOINT = ["service", "server", "port"]
USE = ["protocol", "kex_name", "kex_code_point", "kex_status", "kex_reason", "cipher", "ssh_kex", "ssh_host_key",
       "cert_id", "cert_fingerprint", "cert_subject", "cert_issuer", "cert_key_alg", "cert_key_type",
       "cert_key_length", "cert_sig_alg", "cert_not_before", "cert_not_after", "auth_status", "auth_reason",
       "status", "reason"]
_BY_SEVERITY = {v: k for k, v in SEVERITY.items()}

#: Zeek logs that hold no handshake or certificate: a folder walk passes over them unread.
OTHER_ZEEK_LOGS = frozenset({
    "conn", "dns", "http", "files", "weird", "notice", "dhcp", "dce_rpc", "ftp", "kerberos", "known_hosts",
    "known_services", "known_certs", "ntlm", "ntp", "pe", "rdp", "sip", "smb_files", "smb_mapping", "smtp",
    "snmp", "socks", "software", "stats", "tunnel", "capture_loss", "loaded_scripts", "packet_filter",
    "reporter", "dpd", "analyzer", "mysql", "radius", "irc", "modbus", "dnp3", "syslog", "traceroute", "ocsp",
    "quic", "websocket", "conn-summary", "intel", "signatures", "x509_ocsp", "broker", "cluster", "print"})


@dataclass
class Inventory:
    """Endpoints (one row each, prioritised), their uses, the constituents, and the counts that add up."""

    handshakes: pl.DataFrame
    uses: pl.DataFrame
    endpoints: pl.DataFrame
    constituents: list[dict]
    summary: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        uses = self.uses.partition_by(ENDPOINT, as_dict=True, maintain_order=True) \
            if self.uses.height else {}
        endpoints = []
        for row in self.endpoints.iter_rows(named=True):
            key = (row["service"], row["server"], row["port"])
            endpoints.append(_endpoint_dict(row, uses.get(key)))
        return {"endpoints": endpoints, "constituents": self.constituents, "summary": self.summary}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _use_dict(use: dict) -> dict:
    out = {"protocol": use["protocol"],
           "key_exchange": {"name": use["kex_name"], "code_point": use["kex_code_point"], "status": use["kex_status"],
                            "reason": use["kex_reason"]},
           "status": use["status"], "reason": use["reason"], "connections": use["connections"],
           "clients": use["clients"], "hosts": use["hosts"],
           "authentication": {"status": use["auth_status"], "reason": use["auth_reason"]}}
    if use["service"] == "ssh":
        out["ssh"] = {"kex": use["ssh_kex"], "host_key": use["ssh_host_key"]}
    else:
        out["cipher"] = use["cipher"]
        out["certificate"] = None if use["cert_key_alg"] is None and use["cert_sig_alg"] is None else {
            "fingerprint": use["cert_fingerprint"] or use["cert_id"], "subject": use["cert_subject"],
            "issuer": use["cert_issuer"], "key_algorithm": use["cert_key_alg"] or use["cert_key_type"],
            "key_size": use["cert_key_length"], "signature_algorithm": use["cert_sig_alg"],
            "not_before": _iso(use["cert_not_before"]), "not_after": _iso(use["cert_not_after"])}
    return out


def _endpoint_dict(row: dict, uses: pl.DataFrame | None) -> dict:
    return {
        "address": row["server"], "port": row["port"], "service": row["service"], "hosts": row["hosts"],
        "software": row["software"], "status": row["status"], "reasons": row["reasons"],
        "connections": row["connections"], "clients": row["clients"],
        "first_seen": _iso(row["first_seen"]), "last_seen": _iso(row["last_seen"]),
        "constituent": row["constituent"], "sector": row["sector"],
        "priority": {"score": row["priority"], "deadline": row["deadline"], "why": why(row)},
        "uses": [_use_dict(u) for u in uses.iter_rows(named=True)] if uses is not None else [],
    }


def group_uses(classified: pl.DataFrame) -> pl.DataFrame:
    """One row per endpoint and use, with connections, distinct clients and the host names asked for."""
    return (classified.group_by(ENDPOINT + USE)
            .agg(connections=pl.len(), clients=pl.col("client").n_unique(),
                 hosts=pl.col("sni").drop_nulls().unique().sort())
            .sort(["server", "port", "connections"], descending=[False, False, True], nulls_last=True))


def group_endpoints(classified: pl.DataFrame) -> pl.DataFrame:
    severity = pl.col("status").replace_strict(SEVERITY, return_dtype=pl.Int64)
    worst_rows = pl.col("severity") == pl.col("severity").max()
    frame = classified.with_columns(severity=severity)
    return (frame.group_by(ENDPOINT)
            .agg(connections=pl.len(), clients=pl.col("client").n_unique(),
                 hosts=pl.col("sni").drop_nulls().unique().sort(),
                 software=pl.col("software").drop_nulls().first(),
                 severity=pl.col("severity").max(),
                 reasons=pl.col("reason").filter(worst_rows).unique().sort().head(3),
                 first_seen=pl.col("time").min(), last_seen=pl.col("time").max(),
                 cert_not_after=pl.col("cert_not_after").max())
            .with_columns(status=pl.col("severity").replace_strict(_BY_SEVERITY, return_dtype=pl.String)))


def _constituent_rows(endpoints: pl.DataFrame, constituents: list[Constituent]) -> list[dict]:
    rows = []
    for c in constituents:
        mine = endpoints.filter(pl.col("constituent") == c.name)
        by_status = empty_counts()
        by_status.update(dict(mine.group_by("status").len().iter_rows()))
        top = mine.sort(["priority", "connections"], descending=True).head(5)
        rows.append({
            "name": c.name, "sector": c.sector, "sensitivity": c.sensitivity, "high_risk": c.high_risk,
            "endpoints": mine.height, "connections": int(mine["connections"].sum()), "by_status": by_status,
            "priority": int(mine["priority"].max() or 0) if mine.height else 0,
            "deadline": earliest(mine["deadline"].to_list()),
            "top_endpoints": [f"{r['server']}:{r['port']}/{r['service']}" for r in top.iter_rows(named=True)],
        })
    return sorted(rows, key=lambda r: (-r["priority"], r["name"]))


def build_inventory(handshakes: pl.DataFrame, constituents: Iterable[Constituent] = (),
                    certificates: int | None = None) -> Inventory:
    """The inventory of handshakes already joined to their certificates (``HandshakeCollector.joined``)."""
    constituents = list(constituents)
    classified = classify(handshakes)
    uses = group_uses(classified)
    endpoints = with_priorities(group_endpoints(classified), constituents).sort(
        ["priority", "connections", "server", "port"], descending=[True, True, False, False], nulls_last=True)
    by_status_handshakes = empty_counts()
    by_status_handshakes.update(dict(classified.group_by("status").len().iter_rows()))
    by_status = empty_counts()
    by_status.update(dict(endpoints.group_by("status").len().iter_rows()))
    unknown = by_status_handshakes[UNKNOWN]
    summary = {
        "endpoints": endpoints.height,
        "by_status": by_status,
        "handshakes": {"read": classified.height, "classified": classified.height - unknown, "unknown": unknown,
                       "by_status": by_status_handshakes,
                       "by_service": dict(sorted(classified.group_by("service").len().iter_rows())),
                       "with_certificate": int(classified["cert_found"].sum())},
        "certificates": certificates,
        "uses": uses.height,
        "unknown_reasons": dict(classified.filter(pl.col("status") == UNKNOWN).group_by("reason").len()
                                .sort("len", descending=True).head(10).iter_rows()),
        "constituents": len(constituents),
        "unassigned_endpoints": int(endpoints["constituent"].is_null().sum()),
    }
    return Inventory(classified, uses, endpoints, _constituent_rows(endpoints, constituents), summary)


def handshake_files(paths: Iterable[Path], skipped: list[str]) -> list[Path]:
    """The files of ``paths`` that may hold handshakes or certificates (other Zeek logs are listed in ``skipped``)."""
    files = []
    for path in discover(paths, skipped):
        if path.name.split(".")[0].lower() in OTHER_ZEEK_LOGS:
            skipped.append(str(path))
        else:
            files.append(path)
    return files


def read_inventory(paths: Iterable[Path], constituents: Iterable[Constituent] = (),
                   quarantine: Quarantine | None = None,
                   on_file: Callable[[Path, FormatStats], None] | None = None) -> Inventory:
    """Read Zeek and Suricata logs, and build their inventory; the summary says what was read and skipped."""
    started = time.perf_counter()
    skipped: list[str] = []
    files = handshake_files(paths, skipped)
    collector = HandshakeCollector()
    ingested = ingest(files, sink=collector, quarantine=quarantine, on_file=on_file)
    certificates = collector.certificates().height
    inventory = build_inventory(collector.joined(), constituents, certificates)
    inventory.summary["input"] = {
        "files": len(files), "skipped_files": len(skipped) + len(ingested.skipped),
        "events_read": ingested.read, "events_parsed": ingested.parsed, "quarantined": ingested.quarantined,
        "quarantined_by_reason": dict(ingested.by_reason), "other_events": sum(collector.ignored.values()),
        "seconds": round(time.perf_counter() - started, 3)}
    log.info("inventory of %d handshakes from %d files: %d endpoints", inventory.summary["handshakes"]["read"],
             len(files), inventory.summary["endpoints"])
    return inventory


__all__ = ["ENDPOINT", "STATUSES", "Inventory", "build_inventory", "read_inventory"]
