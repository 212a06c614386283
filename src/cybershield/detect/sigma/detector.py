"""``SigmaDetector``: Sigma rules (and their correlations) as a detector over micro-batches."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
from sigma.exceptions import SigmaError

from ..alerts import Alert, event_refs
from .compile import CompiledRule, CompileError, Leaves, compile_rule
from .correlation import Correlator
from .evaluate import Evaluator
from .loader import RuleFailure, RuleSet, load_rules
from .pipeline import process, variant_pipelines, variants_of


def compile_rules(ruleset: RuleSet, leaves: Leaves, placeholders: dict[str, list[str]] | None = None,
                  ) -> tuple[list[CompiledRule], list[RuleFailure], list[RuleFailure]]:
    """Every rule in each of its variants; returns (compiled, failed rules, skipped variants).

    A rule fails when none of its variants compiles; a variant that fails while another compiles
    (e.g. a field that Security 4688 does not have) is listed as skipped with its reason.
    """
    pipelines = variant_pipelines(placeholders)
    compiled: list[CompiledRule] = []
    failed: list[RuleFailure] = []
    skipped: list[RuleFailure] = []
    for rule in ruleset.rules:
        reasons = []
        ok = 0
        for variant in variants_of(rule):
            try:
                compiled.append(compile_rule(process(rule, pipelines[variant]), variant, leaves))
                ok += 1
            except (SigmaError, CompileError, ValueError, TypeError, KeyError) as exc:
                reasons.append(f"{variant}: {type(exc).__name__}: {exc}")
        if reasons:
            (skipped if ok else failed).append(RuleFailure.of(rule, "; ".join(reasons)))
    return compiled, failed, skipped


class SigmaDetector:
    """Loads and compiles Sigma collections once; ``detect`` evaluates a batch of events."""

    kind = "sigma"

    def __init__(self, paths: Iterable[Path], placeholders: dict[str, list[str]] | None = None):
        self.ruleset = load_rules(paths)
        leaves = Leaves()
        self.rules, failed, self.skipped = compile_rules(self.ruleset, leaves, placeholders)
        self.failures = self.ruleset.failures + failed
        self.correlator = Correlator(self.ruleset.correlations, self.rules)
        self.failures += self.correlator.failures
        self.evaluator = Evaluator(self.rules, leaves)

    def detect(self, batch: pa.Table) -> list[Alert]:
        if batch.num_rows == 0:
            return []
        alerts: list[Alert] = []
        for match in self.evaluator.matches(batch):
            rule = self.rules[match.rule]
            refs = event_refs(batch, match.rows)
            if rule.generate:
                alerts += [Alert(self.kind, rule.id, rule.title, rule.level, [ref], list(rule.techniques),
                                 {"variant": rule.variant}) for ref in refs]
            self.correlator.observe(rule, batch, match.rows, refs)
        return alerts + self.correlator.flush()

    def finish(self) -> list[Alert]:
        return self.correlator.finish()

    def describe(self) -> dict:
        loaded = {r.id for r in self.rules}
        return {
            "kind": self.kind,
            "rules_loaded": len(loaded),
            "rule_variants": len(self.rules),
            "correlations_loaded": len(self.correlator.correlations),
            "rules_failed": [f.as_dict() for f in self.failures],
            "variants_skipped": [f.as_dict() for f in self.skipped],
        }

