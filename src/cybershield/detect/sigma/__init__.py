"""Sigma rules: loading (pySigma), the processing pipeline to our event model, compilation to
vectorised Polars predicates, dispatch by channel and EventID, and v2 correlations."""

from .cache import RuleCache, clear
from .detector import SigmaDetector
from .loader import RuleFailure, RuleSet, load_rules
from .pipeline import load_placeholders

__all__ = ["RuleCache", "RuleFailure", "RuleSet", "SigmaDetector", "clear", "load_placeholders", "load_rules"]
