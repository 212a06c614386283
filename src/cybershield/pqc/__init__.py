"""Post-quantum readiness: the cryptographic inventory of a hub's constituents from their TLS and SSH
handshakes and certificates (Zeek, Suricata), its classification, migration priorities with the EU
roadmap's deadlines, a CycloneDX 1.6 CBOM, the weekly trend and anonymised readiness figures."""

from .classify import classify, classify_use
from .handshakes import HandshakeCollector
from .inventory import Inventory, build_inventory, read_inventory
from .priorities import Constituent, ConstituentsError, load_constituents, parse_constituents
from .status import BROKEN, HYBRID, PQ, STATUSES, UNKNOWN, VULNERABLE

__all__ = [
    "BROKEN", "HYBRID", "PQ", "STATUSES", "UNKNOWN", "VULNERABLE",
    "Constituent", "ConstituentsError", "HandshakeCollector", "Inventory",
    "build_inventory", "classify", "classify_use", "load_constituents", "parse_constituents", "read_inventory",
]
