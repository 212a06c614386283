"""Threat intelligence: the STIX 2.1 store, TLP 2.0 markings and the sharing policy, imports and exports (STIX, MISP)."""

from . import stixtime
from .attack import technique_of_tag, techniques_of_stix
from .export import Export, export_stix
from .importer import (
    MAX_FILE_BYTES,
    READERS,
    FileImport,
    IntelFile,
    IntelFileError,
    import_file,
    read_intel_file,
    rejections_by_reason,
)
from .indicator_csv import CSV_TYPES, IndicatorCsvError, read_indicator_csv, stix_literal
from .misp import MispConversion, MispFormatError, load_misp_events, misp_to_stix
from .misp_export import MispExport, stix_to_misp, write_misp_feed
from .policy import COMMUNITY, Gated, Recipient, SharingPolicy
from .store import DEFAULT_COLLECTION, AddResult, IntelStore, ObjectStatus, Page, StoredObject
from .tlp import LEVELS, MISP_TLP_TAGS, TLP2_IDS, marking_definition, tlp_of
from .tlp import UNKNOWN as UNKNOWN_MARKING
from .validation import Verdict, validate
from .validation import prepare as prepare_validation

__all__ = ["COMMUNITY", "CSV_TYPES", "DEFAULT_COLLECTION", "LEVELS", "MAX_FILE_BYTES", "MISP_TLP_TAGS", "READERS", "TLP2_IDS",
           "UNKNOWN_MARKING", "AddResult", "Export", "FileImport", "Gated", "IndicatorCsvError", "IntelFile", "IntelFileError",
           "IntelStore", "MispConversion", "MispExport", "read_intel_file",
           "MispFormatError", "ObjectStatus", "Page", "Recipient", "SharingPolicy", "StoredObject", "Verdict",
           "export_stix", "import_file", "load_misp_events", "marking_definition", "misp_to_stix", "read_indicator_csv", "rejections_by_reason",
           "prepare_validation", "stix_literal", "stix_to_misp", "stixtime", "technique_of_tag", "techniques_of_stix", "tlp_of", "validate",
           "write_misp_feed"]
