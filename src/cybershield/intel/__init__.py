"""Threat intelligence: the STIX 2.1 store, TLP 2.0 markings and the sharing policy, imports and exports."""

from .store import DEFAULT_COLLECTION, AddResult, IntelStore, ObjectStatus, Page, StoredObject
from .tlp import LEVELS, TLP2_IDS, marking_definition, tlp_of
from .validation import Verdict, validate

__all__ = ["DEFAULT_COLLECTION", "LEVELS", "TLP2_IDS", "AddResult", "IntelStore", "ObjectStatus", "Page",
           "StoredObject", "Verdict", "marking_definition", "tlp_of", "validate"]
