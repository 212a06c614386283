"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef
from .detector import Detector
from .engine import DetectRun
from .factory import BUILDERS, DetectorUnavailable, build_detectors

__all__ = ["BUILDERS", "LEVELS", "Alert", "Detector", "DetectorUnavailable", "DetectRun", "EventRef", "IndicatorDetector",
           "ModelDetector", "build_detectors", "load_indicator_files"]


def __getattr__(name: str):
    # only when asked for: ModelDetector pulls in LightGBM and scikit-learn, the indicator detector
    # the STIX pattern matcher and the intel package (seconds to import, for a Sigma-only run)
    if name == "ModelDetector":
        from .model_detector import ModelDetector

        return ModelDetector
    if name in ("IndicatorDetector", "load_indicator_files"):
        from . import indicators

        return getattr(indicators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
