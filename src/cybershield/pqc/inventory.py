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
from pathlib import Path

import orjson
import polars as pl

from ..events import FormatStats, Quarantine, discover, ingest
from .classify import classify
from .handshakes import HandshakeCollector, join_certificates
from .priorities import Constituent, earliest, why, with_priorities
from .status import SEVERITY, UNKNOWN, empty_counts

log = logging.getLogger(__name__)

ENDPOINT = ["service", "server", "port"]
_BY_SEVERITY = {v: k for k, v in SEVERITY.items()}
_CERT_DETAILS = ["cert_id", "cert_fingerprint", "cert_subject", "cert_issuer", "cert_not_before", "cert_not_after"]

#: Zeek logs that hold no handshake or certificate: a folder walk passes over them unread.
OTHER_ZEEK_LOGS = frozenset({
    "conn", "dns", "http", "files", "weird", "notice", "dhcp", "dce_rpc", "ftp", "kerberos", "known_hosts",
    "known_services", "known_certs", "ntlm", "ntp", "pe", "rdp", "sip", "smb_files", "smb_mapping", "smtp",
    "snmp", "socks", "software", "stats", "tunnel", "capture_loss", "loaded_scripts", "packet_filter",
    "reporter", "dpd", "analyzer", "mysql", "radius", "irc", "modbus", "dnp3", "syslog", "traceroute", "ocsp",
    "quic", "websocket", "conn-summary", "intel", "signatures", "x509_ocsp", "broker", "cluster", "print"})


def _iso(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")


#: One use as the JSON output shows it.
_USE = pl.struct(
    protocol=pl.col("protocol"),
    key_exchange=pl.struct(name=pl.col("kex_name"), code_point=pl.col("kex_code_point"),
                           status=pl.col("kex_status"), reason=pl.col("kex_reason")),
    cipher=pl.col("cipher"),
    certificate=pl.when(pl.col("cert_found")).then(pl.struct(
        fingerprint=pl.coalesce("cert_fingerprint", "cert_id"), subject=pl.col("cert_subject"),
        issuer=pl.col("cert_issuer"), key_algorithm=pl.coalesce("cert_key_alg", "cert_key_type"),
        key_size=pl.col("cert_key_length"), signature_algorithm=pl.col("cert_sig_alg"),
        not_before=_iso("cert_not_before"), not_after=_iso("cert_not_after"))),
    ssh=pl.when(pl.col("service") == "ssh").then(pl.struct(kex=pl.col("ssh_kex"), host_key=pl.col("ssh_host_key"))),
    authentication=pl.struct(status=pl.col("auth_status"), reason=pl.col("auth_reason")),
    status=pl.col("status"), reason=pl.col("reason"), connections=pl.col("connections"),
    clients=pl.col("clients"))


@dataclass
class Inventory:
    """Endpoints (one row each, prioritised), their uses, the constituents, and the counts that add up.

    ``handshakes`` are the classified handshakes (``combo`` points into ``combinations``, which holds each
    distinct combination of algorithms with its verdict).
    """

    handshakes: pl.DataFrame
    combinations: pl.DataFrame
    uses: pl.DataFrame
    endpoints: pl.DataFrame
    constituents: list[dict]
    summary: dict = field(default_factory=dict)

    def endpoint_frame(self) -> pl.DataFrame:
        """One row per endpoint with the fields (and nested uses) the JSON output shows, most urgent first."""
        reasons = dict(self.combinations.select("combo", "reason").iter_rows())
        nested = self.uses.group_by(ENDPOINT).agg(uses=_USE.sort_by("connections", descending=True))
        frame = self.endpoints.join(nested, on=ENDPOINT, how="left", nulls_equal=True, maintain_order="left")
        return frame.select(
            address=pl.col("server"), port=pl.col("port"), service=pl.col("service"), hosts=pl.col("hosts"),
            software=pl.col("software"), status=pl.col("status"),
            reasons=pl.col("worst_combos").list.eval(
                pl.element().replace_strict(reasons, return_dtype=pl.String)).list.unique().list.sort(),
            connections=pl.col("connections"), clients=pl.col("clients"),
            first_seen=_iso("first_seen"), last_seen=_iso("last_seen"),
            constituent=pl.col("constituent"), sector=pl.col("sector"),
            priority=pl.struct(score=pl.col("priority"), deadline=pl.col("deadline"), why=why()),
            uses=pl.col("uses").fill_null([]))

    def as_dict(self) -> dict:
        """``{"endpoints": [...], "constituents": [...], "summary": {...}}``."""
        return {"endpoints": self.endpoint_frame().to_dicts(), "constituents": self.constituents,
                "summary": self.summary}

    def as_json(self) -> bytes:
        """``as_dict`` as JSON, the endpoints written by Polars (fast for a country's worth of them)."""
        endpoints = self.endpoint_frame().write_json().encode() if self.endpoints.height else b"[]"
        return (b'{"endpoints":' + endpoints + b',"constituents":' + orjson.dumps(self.constituents)
                + b',"summary":' + orjson.dumps(self.summary) + b"}")


def group_uses(classified: pl.DataFrame, combinations: pl.DataFrame, certificates: pl.DataFrame) -> pl.DataFrame:
    """One row per endpoint and use (combination and certificate), with connections and distinct clients."""
    return (classified.group_by(*ENDPOINT, "combo", "cert_id")
            .agg(connections=pl.len(), clients=pl.col("client").n_unique())
            .join(combinations, on="combo", how="left")
            .join(certificates.select(_CERT_DETAILS), on="cert_id", how="left"))


def group_endpoints(classified: pl.DataFrame) -> pl.DataFrame:
    worst_rows = pl.col("severity") == pl.col("severity").max()
    hosts = (classified.select(*ENDPOINT, "sni").drop_nulls("sni").unique()
             .group_by(ENDPOINT).agg(hosts=pl.col("sni").sort()))
    return (classified.group_by(ENDPOINT)
            .agg(connections=pl.len(), clients=pl.col("client").n_unique(),
                 software=pl.col("software").drop_nulls().first(),
                 severity=pl.col("severity").max(),
                 worst_combos=pl.col("combo").filter(worst_rows).unique().sort().head(3),
                 first_seen=pl.col("time").min(), last_seen=pl.col("time").max(),
                 cert_not_after=pl.col("cert_not_after").max())
            .join(hosts, on=ENDPOINT, how="left", nulls_equal=True)
            .with_columns(status=pl.col("severity").replace_strict(_BY_SEVERITY, return_dtype=pl.String),
                          hosts=pl.col("hosts").fill_null([])))


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


def _counts(frame: pl.DataFrame) -> dict[str, int]:
    counts = empty_counts()
    counts.update(dict(frame.group_by("status").len().iter_rows()))
    return counts


def build_inventory(handshakes: pl.DataFrame, certificates: pl.DataFrame,
                    constituents: Iterable[Constituent] = ()) -> Inventory:
    """The inventory of handshakes (``HANDSHAKE`` columns) and certificates (``CERTIFICATE`` columns)."""
    constituents = list(constituents)
    classified, combinations = classify(join_certificates(handshakes, certificates))
    uses = group_uses(classified, combinations, certificates)
    endpoints = with_priorities(group_endpoints(classified), constituents).sort(
        ["priority", "connections", "server", "port"], descending=[True, True, False, False], nulls_last=True)
    by_status_handshakes = _counts(classified)
    unknown = by_status_handshakes[UNKNOWN]
    unknown_reasons = (classified.filter(pl.col("status") == UNKNOWN).group_by("combo").len()
                       .join(combinations.select("combo", "reason"), on="combo")
                       .group_by("reason").agg(pl.col("len").sum()).sort("len", descending=True).head(10))
    summary = {
        "endpoints": endpoints.height,
        "by_status": _counts(endpoints),
        "handshakes": {"read": classified.height, "classified": classified.height - unknown, "unknown": unknown,
                       "by_status": by_status_handshakes,
                       "by_service": dict(sorted(classified.group_by("service").len().iter_rows())),
                       "with_certificate": int(classified["cert_found"].sum())},
        "certificates": certificates.height,
        "uses": uses.height,
        "unknown_reasons": dict(unknown_reasons.iter_rows()),
        "constituents": len(constituents),
        "unassigned_endpoints": int(endpoints["constituent"].is_null().sum()),
    }
    return Inventory(classified, combinations, uses, endpoints, _constituent_rows(endpoints, constituents), summary)


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
    inventory = build_inventory(collector.handshakes(), collector.certificates(), constituents)
    inventory.summary["input"] = {
        "files": len(files), "skipped_files": len(skipped) + len(ingested.skipped),
        "events_read": ingested.read, "events_parsed": ingested.parsed, "quarantined": ingested.quarantined,
        "quarantined_by_reason": dict(ingested.by_reason), "other_events": sum(collector.ignored.values()),
        "seconds": round(time.perf_counter() - started, 3)}
    log.info("inventory of %d handshakes from %d files: %d endpoints", inventory.summary["handshakes"]["read"],
             len(files), inventory.summary["endpoints"])
    return inventory


__all__ = ["ENDPOINT", "Inventory", "build_inventory", "read_inventory"]
