"""Indicator matching: STIX 2.1 indicators (from the intel store, or from STIX bundle, MISP event
JSON and CSV files) compiled into indexes and matched against event batches."""

from .compiled import CompiledIndicators, Rejection
from .detector import IndicatorDetector
from .loaders import DEFAULT_MAX_BYTES, IndicatorFileError, load_indicator_files, read_json
from .values import FIELDS

__all__ = [
    "DEFAULT_MAX_BYTES", "FIELDS", "CompiledIndicators", "IndicatorDetector", "IndicatorFileError",
    "Rejection", "load_indicator_files", "read_json",
]
