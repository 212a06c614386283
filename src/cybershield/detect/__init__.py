"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef
from .detector import Detector

__all__ = ["LEVELS", "Alert", "Detector", "EventRef"]
