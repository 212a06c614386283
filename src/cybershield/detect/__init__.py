"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef
from .detector import Detector
from .factory import BUILDERS, DetectorUnavailable, build_detectors

__all__ = ["BUILDERS", "LEVELS", "Alert", "Detector", "DetectorUnavailable", "EventRef", "build_detectors"]
