"""Loading Sigma collections (folders of YAML files) with pySigma, keeping every failure with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule

MAX_RULE_FILE = 1024 * 1024
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class RuleFailure:
    """A rule (or a whole file) that could not be used, and why."""

    source: str
    reason: str
    rule_id: str | None = None
    title: str | None = None

    @classmethod
    def of(cls, rule: SigmaRule | SigmaCorrelationRule, reason: str, no_source: str = "") -> RuleFailure:
        """The failure of a parsed rule, named by its file, id and title."""
        return cls(str(rule.source.path) if rule.source else no_source, reason, str(rule.id) if rule.id else None,
                   rule.title)

    def as_dict(self) -> dict:
        return {"source": self.source, "rule_id": self.rule_id, "title": self.title, "reason": self.reason}


@dataclass
class RuleSet:
    rules: list[SigmaRule] = field(default_factory=list)
    correlations: list[SigmaCorrelationRule] = field(default_factory=list)
    failures: list[RuleFailure] = field(default_factory=list)


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given folders (recursively) or named directly, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
        else:
            found.append(path)
    return found


def describe_error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".strip()


def read_rule_file(path: Path) -> bytes:
    """A rule file's bytes; raises OSError, or ValueError for a file over ``MAX_RULE_FILE``."""
    if path.stat().st_size > MAX_RULE_FILE:
        raise ValueError(f"rule file over {MAX_RULE_FILE} bytes")
    return path.read_bytes()


def parse_rule_file(path: Path, content: bytes | None = None) -> tuple[list, list[RuleFailure]]:
    """The rules (and correlations) of one file, and what failed in it; ``content``: the file's bytes
    when already read. YAML is parsed by libyaml (the C loader), as safely as ``yaml.safe_load``."""
    source = str(path)
    try:
        text = (read_rule_file(path) if content is None else content).decode("utf-8")
        collection = SigmaCollection.from_dicts(list(yaml.load_all(text, Loader=_YAML_LOADER)), collect_errors=True,
                                                source=SigmaRuleLocation(path), resolve_references=False)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, SigmaError, ValueError, TypeError, AttributeError) as exc:
        return [], [RuleFailure(source, describe_error(exc))]
    if not collection.rules:
        return [], [RuleFailure(source, "no Sigma rule in the file")]
    good, failures = [], []
    for rule in collection.rules:
        if rule.errors:
            failures.append(RuleFailure(source, "; ".join(describe_error(e) for e in rule.errors),
                                        str(rule.id) if getattr(rule, "id", None) else None, getattr(rule, "title", None)))
        else:
            good.append(rule)
    return good, failures


def resolve_correlations(rules: list) -> tuple[list[SigmaCorrelationRule], list[RuleFailure]]:
    """The correlation rules among ``rules`` with their references resolved against all of them."""
    collection = SigmaCollection(rules, resolve_references=False)
    resolved, failures = [], []
    for rule in rules:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        try:
            rule.resolve_rule_references(collection)
            resolved.append(rule)
        except SigmaError as exc:
            failures.append(RuleFailure.of(rule, f"correlation references: {describe_error(exc)}", "<correlation>"))
    return resolved, failures


def load_rules(paths: Iterable[Path]) -> RuleSet:
    """Parse every rule file; a bad file or rule is recorded in ``failures`` and the rest still load."""
    result = RuleSet()
    good: list = []
    for path in rule_files(paths):
        rules, failures = parse_rule_file(path)
        good += rules
        result.failures += failures
    result.rules = [rule for rule in good if not isinstance(rule, SigmaCorrelationRule)]
    result.correlations, failures = resolve_correlations(good)
    result.failures += failures
    return result
