"""Threat intelligence: the STIX 2.1 store, TLP 2.0 markings and the sharing policy, imports and exports (STIX, MISP).

The names below load their module on first use: importing a light part (``intel.attack`` for the
Sigma compiler, ``intel.stixtime``) does not load the STIX validator, the store and MISP with it.
"""

from __future__ import annotations

from ..lazy import lazy_names
from . import iri_formats

iri_formats.defer()  # before anything imports jsonschema

#: name -> (module, attribute in it); a module itself when the attribute is None
_HOMES = {
    "stixtime": ("stixtime", None),
    **{n: ("attack", n) for n in ("technique_of_tag", "techniques_of_stix")},
    **{n: ("export", n) for n in ("Export", "export_stix")},
    **{n: ("importer", n) for n in ("MAX_FILE_BYTES", "READERS", "FileImport", "IntelFile", "IntelFileError",
                                     "import_file", "read_intel_file", "rejections_by_reason")},
    **{n: ("indicator_csv", n) for n in ("CSV_TYPES", "IndicatorCsvError", "read_indicator_csv", "stix_literal")},
    **{n: ("misp", n) for n in ("MispConversion", "MispFormatError", "load_misp_events", "misp_to_stix")},
    **{n: ("misp_export", n) for n in ("MispExport", "stix_to_misp", "write_misp_feed")},
    **{n: ("policy", n) for n in ("COMMUNITY", "Gated", "Recipient", "SharingPolicy")},
    **{n: ("store", n) for n in ("AddResult", "IntelStore", "ObjectStatus", "Page", "StoredObject")},
    "DEFAULT_COLLECTION": ("collection", "DEFAULT_COLLECTION"),
    **{n: ("tlp", n) for n in ("LEVELS", "MISP_TLP_TAGS", "TLP2_IDS", "marking_definition", "tlp_of")},
    "UNKNOWN_MARKING": ("tlp", "UNKNOWN"),
    **{n: ("validation", n) for n in ("Verdict", "validate")},
    "prepare_validation": ("validation", "prepare"),
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
