"""``SigmaDetector``: Sigma rules (and their correlations) as a detector over micro-batches."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from ..alerts import Alert, event_refs
from .cache import RuleCache
from .collection import compile_collection
from .compile import Leaves
from .correlation import Correlator
from .evaluate import Evaluator
from .loader import RuleSet, load_rules


class SigmaDetector:
    """Loads and compiles Sigma collections once (through ``cache`` when given); ``detect`` evaluates
    a batch of events. ``placeholders``: values of ``%name%`` placeholders (else the wildcard)."""

    kind = "sigma"

    def __init__(self, paths: Iterable[Path], placeholders: dict[str, list[str]] | None = None,
                 cache: RuleCache | None = None):
        self.paths = list(paths)
        self.cache = cache
        leaves = Leaves()
        built = compile_collection(self.paths, leaves, placeholders, cache)
        self.rules, self.skipped, self.failures = built.rules, built.skipped, built.failed
        self.files, self.compiled_files = built.files, built.compiled_files
        self.correlator = Correlator(built.correlations, self.rules)
        self.failures += self.correlator.failures
        self.evaluator = Evaluator(self.rules, leaves)

    @cached_property
    def ruleset(self) -> RuleSet:
        """The rules as pySigma parsed them (for the SQLite reference), parsed on first use."""
        return load_rules(self.paths)

    def detect(self, batch: pa.Table) -> list[Alert]:
        if batch.num_rows == 0:
            return []
        alerts: list[Alert] = []
        matches = list(self.evaluator.matches(batch))
        rows = sorted(set().union(*(m.rows for m in matches)))
        ref_of = dict(zip(rows, event_refs(batch, rows), strict=True))  # each matched row's ref built once
        for match in matches:
            rule = self.rules[match.rule]
            refs = [ref_of[row] for row in match.rows]
            if rule.generate:
                alerts += [Alert(self.kind, rule.id, rule.title, rule.level, [ref], list(rule.techniques),
                                 {"variant": rule.variant}) for ref in refs]
            self.correlator.observe(rule, batch, match.rows, refs)
        return alerts + self.correlator.flush()

    def finish(self) -> list[Alert]:
        return self.correlator.finish()

    def explain(self, rule_id: str) -> dict | None:
        """What an analyst reads about the rule ``rule_id``: its metadata and its YAML as written; None if unknown."""
        for rule in (*self.ruleset.rules, *self.ruleset.correlations):
            if str(rule.id) != rule_id:
                continue
            path = Path(rule.source.path) if rule.source and rule.source.path else None
            try:
                text = path.read_text(encoding="utf-8") if path else None
            except (OSError, UnicodeDecodeError):
                text = None
            return {"id": rule_id, "title": rule.title, "description": rule.description,
                    "status": str(rule.status) if rule.status else None, "level": str(rule.level) if rule.level else None,
                    "author": rule.author, "references": list(rule.references or []),
                    "tags": [str(t) for t in rule.tags or []], "falsepositives": list(rule.falsepositives or []),
                    "file": str(path) if path else None, "yaml": text}
        return None

    def describe(self) -> dict:
        loaded = {r.id for r in self.rules}
        return {
            "kind": self.kind,
            "rules_loaded": len(loaded),
            "rule_variants": len(self.rules),
            "rule_files": self.files,
            "rule_files_compiled": self.compiled_files,
            "cache": str(self.cache.folder) if self.cache is not None else None,
            "correlations_loaded": len(self.correlator.correlations),
            "rules_failed": [f.as_dict() for f in self.failures],
            "variants_skipped": [f.as_dict() for f in self.skipped],
        }

