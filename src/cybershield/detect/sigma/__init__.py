"""Sigma rules: loading (pySigma), the processing pipeline to our event model, compilation to
vectorised Polars predicates, dispatch by channel and EventID, and v2 correlations."""

from .compile import CompiledRule, CompileError, Leaf, Leaves, compile_rule
from .detector import SigmaDetector, compile_rules
from .evaluate import Evaluator, Match
from .loader import RuleFailure, RuleSet, load_rules
from .pipeline import event_field, variant_pipelines, variants_of

__all__ = [
    "CompileError", "CompiledRule", "Evaluator", "Leaf", "Leaves", "Match", "RuleFailure", "RuleSet", "SigmaDetector",
    "compile_rule", "compile_rules", "event_field", "load_rules", "variant_pipelines", "variants_of",
]
