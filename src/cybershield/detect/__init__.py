"""Detection: Sigma rules, indicator matching and ML scoring over micro-batches of events."""

from .alerts import LEVELS, Alert, EventRef

__all__ = ["LEVELS", "Alert", "EventRef"]
