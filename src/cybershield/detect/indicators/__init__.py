"""Indicator matching: STIX 2.1 indicators (from the intel store, or from STIX bundle, MISP event
JSON and CSV files) compiled into indexes and matched against event batches."""

from .compiled import CompiledIndicators, Rejection
from .detector import IndicatorDetector
from .loaders import load_indicator_files

__all__ = ["CompiledIndicators", "IndicatorDetector", "Rejection", "load_indicator_files"]
