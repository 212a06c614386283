"""Threat intelligence: MISP interoperability (import, export, feeds) and TLP 2.0 markings."""

from .misp import MispConversion, MispFormatError, load_misp_events, misp_to_stix
from .misp_export import MispExport, stix_to_misp, write_misp_feed
from .tlp import MISP_TLP_TAGS, TLP_IDS, TLP_LEVELS, tlp_marking

__all__ = [
    "MISP_TLP_TAGS", "TLP_IDS", "TLP_LEVELS", "MispConversion", "MispExport", "MispFormatError",
    "load_misp_events", "misp_to_stix", "stix_to_misp", "tlp_marking", "write_misp_feed",
]
