"""Sigma rules: loading (pySigma), the processing pipeline to our event model, compilation to
vectorised Polars predicates, dispatch by channel and EventID, and v2 correlations."""

from .detector import SigmaDetector
from .loader import RuleFailure, RuleSet, load_rules

__all__ = ["RuleFailure", "RuleSet", "SigmaDetector", "load_rules"]
