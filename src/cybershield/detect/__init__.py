"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef
from .detector import Detector
from .indicators import IndicatorDetector, load_indicator_files

__all__ = ["LEVELS", "Alert", "Detector", "EventRef", "IndicatorDetector", "load_indicator_files"]
