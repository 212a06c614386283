"""Events: the normalised event model, one parser per input format, and the quarantine."""

from .batch import BatchBuilder, align, concat, unify_schema
from .formats import sniff
from .ingest import FormatStats, IngestSummary, discover, ingest, parse_file
from .parsers import PARSERS
from .parsers.columnar import timestamps
from .quarantine import Quarantine, QuarantineEntry
from .schema import ECS_FIELDS, ECS_NAMES, ECS_SCHEMA, PROVENANCE_RECORD_ID, PROVENANCE_SOURCE

__all__ = [
    "ECS_FIELDS", "ECS_NAMES", "ECS_SCHEMA", "PARSERS", "PROVENANCE_RECORD_ID", "PROVENANCE_SOURCE",
    "BatchBuilder", "FormatStats", "IngestSummary", "Quarantine", "QuarantineEntry",
    "align", "concat", "discover", "ingest", "parse_file", "sniff", "timestamps", "unify_schema",
]
