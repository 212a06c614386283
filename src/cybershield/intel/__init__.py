"""Threat intelligence: the STIX 2.1 store, TLP 2.0 markings and the sharing policy, imports and exports."""

from . import stixtime
from .export import Export, export_stix
from .importer import READERS, FileImport, import_file
from .policy import COMMUNITY, Gated, Recipient, SharingPolicy
from .store import DEFAULT_COLLECTION, AddResult, IntelStore, ObjectStatus, Page, StoredObject
from .tlp import LEVELS, TLP2_IDS, marking_definition, tlp_of
from .validation import Verdict, validate
from .validation import start_workers as start_validation_workers

__all__ = ["COMMUNITY", "DEFAULT_COLLECTION", "Export", "LEVELS", "READERS", "TLP2_IDS", "AddResult", "FileImport", "Gated", "IntelStore",
           "ObjectStatus", "Page", "export_stix", "Recipient", "SharingPolicy", "StoredObject", "Verdict", "import_file",
           "marking_definition", "start_validation_workers", "stixtime", "tlp_of", "validate"]
