"""Compiling a rule collection file by file, through the compiled-rule cache when one is given.

Each rule file compiles to one *entry* (plain data: its rules' trees over the file's own leaves,
and its failures); entries are read from the cache when the file, the pipelines and the engine
are unchanged, else compiled and stored. Entries are then joined: every leaf is renumbered into
the collection's shared ``Leaves``, so a leaf used by many rules is still evaluated once. Fresh
and cached entries take the same path, so a warm start gives exactly what a cold one does.
Files that hold correlation rules are parsed on every run (correlations are resolved against
the parsed base rules), and then every file is parsed for the references.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

from .cache import RuleCache
from .compile import (
    CompiledRule,
    CompileError,
    Leaves,
    compile_rule,
    leaf_from_data,
    leaf_to_data,
    rule_from_data,
    rule_to_data,
)
from .loader import (
    RuleFailure,
    describe_error,
    parse_rule_file,
    read_rule_file,
    resolve_correlations,
    rule_files,
)
from .pipeline import foreign_logsource, process, variant_pipelines, variants_of

log = logging.getLogger(__name__)


@dataclass
class CompiledSet:
    rules: list[CompiledRule] = field(default_factory=list)
    failed: list[RuleFailure] = field(default_factory=list)  # files and rules that cannot be used
    skipped: list[RuleFailure] = field(default_factory=list)  # variants that did not compile while another did
    correlations: list[SigmaCorrelationRule] = field(default_factory=list)
    files: int = 0
    compiled_files: int = 0


def compile_file(path: Path, content: bytes, pipelines: dict) -> tuple[dict, list]:
    """The entry of one rule file, and its parsed rules (for correlations).

    A rule fails when none of its variants compiles; a variant that fails while another compiles
    (e.g. a field that Security 4688 does not have) is listed as skipped with its reason.
    """
    parsed, failures = parse_rule_file(path, content)
    leaves = Leaves()
    rules: list[dict] = []
    skipped: list[RuleFailure] = []
    for rule in parsed:
        if isinstance(rule, SigmaCorrelationRule):
            continue
        foreign = foreign_logsource(rule)
        if foreign:
            failures.append(RuleFailure.of(rule, foreign))
            continue
        reasons = []
        ok = 0
        variants = variants_of(rule)
        for n, variant in enumerate(variants, 1):
            try:  # the last variant may change the parsed rule itself: it is not used again
                processed = process(rule, pipelines[variant], copy=n < len(variants))
                rules.append(rule_to_data(compile_rule(processed, variant, leaves)))
                ok += 1
            except (SigmaError, CompileError, ValueError, TypeError, KeyError) as exc:
                reasons.append(f"{variant}: {type(exc).__name__}: {exc}")
        if reasons:
            (skipped if ok else failures).append(RuleFailure.of(rule, "; ".join(reasons)))
    entry = {"leaves": [leaf_to_data(leaf) for leaf in leaves.items], "rules": rules,
             "failed": [f.as_dict() for f in failures], "skipped": [f.as_dict() for f in skipped],
             "correlation": any(isinstance(r, SigmaCorrelationRule) for r in parsed)}
    return entry, parsed


def _join(entry: dict, leaves: Leaves, out: CompiledSet) -> None:
    ids = [leaves.add(leaf_from_data(leaf))[1] for leaf in entry["leaves"]]
    out.rules += [rule_from_data(rule, ids) for rule in entry["rules"]]
    out.failed += [RuleFailure(**f) for f in entry["failed"]]
    out.skipped += [RuleFailure(**f) for f in entry["skipped"]]


def compile_collection(paths: list[Path], leaves: Leaves, placeholders: dict[str, list[str]] | None = None,
                       cache: RuleCache | None = None) -> CompiledSet:
    """Every rule file under ``paths`` compiled (or read from ``cache``) into one set over ``leaves``."""
    out = CompiledSet()
    pipelines: dict | None = None
    parsed: list = []  # the rules of files that hold correlations
    unparsed: list[Path] = []  # the other files: parsed again only when a correlation needs their rules
    from_cache = 0
    for path in rule_files(paths):
        out.files += 1
        try:
            content = read_rule_file(path)
        except (OSError, ValueError) as exc:
            out.failed.append(RuleFailure(str(path), describe_error(exc)))
            continue
        key = cache.key(content) if cache is not None else ""
        entry = cache.read(key) if cache is not None else None
        if entry is None:
            pipelines = pipelines or variant_pipelines(placeholders)
            entry, rules = compile_file(path, content, pipelines)
            out.compiled_files += 1
            if entry["correlation"]:
                parsed += rules
            else:  # a whole collection of parsed pySigma rules would be held to the end
                unparsed.append(path)
                if cache is not None:
                    cache.write(key, entry)
        else:
            from_cache += 1
            unparsed.append(path)
        _join(entry, leaves, out)
    if any(isinstance(rule, SigmaCorrelationRule) for rule in parsed):
        for path in unparsed:  # the base rules a correlation names may sit in any file
            parsed += parse_rule_file(path)[0]
        out.correlations, failures = resolve_correlations(parsed)
        out.failed += failures
    if cache is not None:
        log.info("sigma rules: %d files, %d compiled, %d from the cache %s", out.files, out.compiled_files,
                 from_cache, cache.folder)
    return out
