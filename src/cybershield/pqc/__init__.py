"""Post-quantum readiness: the cryptographic inventory of a hub's constituents from their TLS and SSH
handshakes and certificates (Zeek, Suricata), its classification, migration priorities with the EU
roadmap's deadlines, a CycloneDX 1.6 CBOM, the weekly trend and anonymised readiness figures."""

from .cbom import build_cbom, cbom_json, validate_cbom
from .classify import classify, classify_use
from .handshakes import HandshakeCollector
from .inventory import Inventory, build_inventory, read_inventory
from .priorities import Constituent, ConstituentsError, load_constituents, parse_constituents
from .readiness import ReadinessError, readiness_summary, rollup, week_summary
from .recorder import PqcRecorder
from .report import write_report
from .status import BROKEN, HYBRID, PQ, STATUSES, UNKNOWN, VULNERABLE
from .trend import read_trend, read_weeks, record_snapshots, weekly

__all__ = [
    "BROKEN", "HYBRID", "PQ", "STATUSES", "UNKNOWN", "VULNERABLE",
    "Constituent", "ConstituentsError", "HandshakeCollector", "Inventory", "PqcRecorder", "ReadinessError",
    "build_cbom", "build_inventory", "cbom_json", "classify", "classify_use", "load_constituents",
    "parse_constituents", "read_inventory", "read_trend", "read_weeks", "readiness_summary", "record_snapshots",
    "rollup", "validate_cbom", "week_summary", "weekly", "write_report",
]
