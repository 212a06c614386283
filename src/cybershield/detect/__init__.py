"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef
from .detector import Detector
from .engine import DetectRun
from .factory import BUILDERS, DetectorUnavailable, build_detectors
from .indicators import IndicatorDetector, load_indicator_files

__all__ = ["BUILDERS", "LEVELS", "Alert", "Detector", "DetectorUnavailable", "DetectRun", "EventRef", "IndicatorDetector",
           "ModelDetector", "build_detectors", "load_indicator_files"]


def __getattr__(name: str):
    # ModelDetector pulls in LightGBM and scikit-learn (seconds to import): only when asked for
    if name == "ModelDetector":
        from .model_detector import ModelDetector

        return ModelDetector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
