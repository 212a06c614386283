"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from ..lazy import lazy_names
from .alerts import LEVELS, Alert, EventRef
from .detector import Detector
from .engine import DetectRun
from .factory import BUILDERS, DetectorUnavailable, build_detectors

__all__ = ["BUILDERS", "LEVELS", "Alert", "Detector", "DetectorUnavailable", "DetectRun", "EventRef", "IndicatorDetector",
           "ModelDetector", "build_detectors", "load_indicator_files"]


# only when asked for: ModelDetector pulls in LightGBM and scikit-learn, the indicator detector
# the STIX pattern matcher and the intel package (seconds to import, for a Sigma-only run)
__getattr__, __dir__ = lazy_names(__name__, {
    "ModelDetector": ("model_detector", "ModelDetector"),
    **{n: ("indicators", n) for n in ("IndicatorDetector", "load_indicator_files")},
})
