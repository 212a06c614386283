"""Compiling a processed Sigma rule into a boolean tree over shared *leaves*.

A leaf is one test on one field (``Image`` ends with ``\\cmd.exe``); the same leaf in many rules
is stored once (``Leaves``), so the evaluator computes it once per batch. String leaves carry a
literal *needle* that any matching value must contain: the evaluator finds all needles of a field
in one Aho-Corasick pass and checks only the candidates. Strings match case-insensitively (on the
lower-case value) unless ``|cased``; keyword leaves (field ``KEYWORDS``) are tried on every payload
value of the event.
The conditions the log source added (channel, EventID) are taken off the tree and kept as the
rule's dispatch keys, so that an event meets only the rules that can match it.

Semantics follow the Sigma specification with two-valued logic: a missing field matches no value,
so ``not selection`` holds for an event that lacks the selection's fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from ...intel import technique_of_tag
from .pipeline import CHANNEL, EVENT_ID, event_field

KEYWORDS = "cybershield.keywords"
#: Leaf kinds the needle pass answers (value lower-cased); the others read the column directly.
NEEDLE_KINDS = frozenset({"eq", "contains", "startswith", "endswith", "glob"})
_COMPARE = {CompareOperators.LT: "lt", CompareOperators.LTE: "le", CompareOperators.GT: "gt",
            CompareOperators.GTE: "ge"}

#: Boolean tree: ("leaf", id) | ("and", (nodes)) | ("or", (nodes)) | ("not", node) | ("true",)
Node = tuple


class CompileError(ValueError):
    """A rule (or part of it) that the engine cannot evaluate, with the reason."""


@dataclass(frozen=True)
class Leaf:
    """One test on one field. ``needle``: a literal every matching (lower-case) value contains."""

    kind: str  # eq contains startswith endswith glob any cased regex null exists cmp cidr fieldref
    field: str
    value: object = None
    needle: str | None = None


class Leaves:
    """The leaves of a whole collection, each stored once and numbered."""

    def __init__(self) -> None:
        self.items: list[Leaf] = []
        self._ids: dict[Leaf, int] = {}

    def add(self, leaf: Leaf) -> Node:
        found = self._ids.get(leaf)
        if found is None:
            found = self._ids[leaf] = len(self.items)
            self.items.append(leaf)
        return ("leaf", found)


@dataclass
class CompiledRule:
    """One rule in one variant, ready to evaluate."""

    id: str
    title: str
    level: str
    techniques: list[str]
    variant: str
    tree: Node
    channels: frozenset[str] | None  # lower case; None: any
    event_ids: frozenset[int] | None  # None: any
    leaves: frozenset[int] = field(default_factory=frozenset)
    generate: bool = True  # False for base rules of a correlation that do not alert on their own


def techniques(rule) -> list[str]:
    """ATT&CK technique ids from ``attack.tNNNN[.NNN]`` tags."""
    found = (technique_of_tag(f"{t.namespace}.{t.name}") for t in rule.tags if t.namespace == "attack")
    return [t for t in found if t]


def level(rule) -> str:
    """The rule's level in lower case; ``medium`` when it names none."""
    return str(rule.level.name).lower() if rule.level else "medium"


def compile_rule(rule: SigmaRule, variant: str, leaves: Leaves) -> CompiledRule:
    """Compile a rule the pipeline has processed; raises ``CompileError`` with the reason."""
    trees = [c.parsed for c in rule.detection.parsed_condition]
    compiler = _Compiler(leaves)
    if len(trees) == 1:
        channels, event_ids, rest = _dispatch(trees[0])
        tree = compiler.conjunction(rest)
    else:
        channels, event_ids = None, None
        tree = ("or", tuple(compiler.node(t) for t in trees))
    return CompiledRule(
        id=str(rule.id) if rule.id else (rule.name or rule.title), title=rule.title,
        level=level(rule), techniques=techniques(rule), variant=variant, tree=tree, channels=channels, event_ids=event_ids,
        leaves=frozenset(compiler.used),
    )


def _conjuncts(node) -> list:
    if isinstance(node, ConditionAND):
        return [c for arg in node.args for c in _conjuncts(arg)]
    return [node]


def _constants(node, column: str) -> list | None:
    """The values of ``column == v1 or column == v2 …``, or None if ``node`` is something else."""
    if isinstance(node, ConditionFieldEqualsValueExpression) and event_field(node.field) == column:
        value = node.value
        if isinstance(value, SigmaNumber) and type(value) is SigmaNumber:
            return [value.number]
        if isinstance(value, SigmaString) and not value.contains_special() and not isinstance(value, SigmaCasedString):
            return [str(value)]
        return None
    if isinstance(node, ConditionOR):
        parts = [_constants(a, column) for a in node.args]
        return None if any(p is None for p in parts) else [v for p in parts for v in p]
    return None


def _dispatch(tree) -> tuple[frozenset[str] | None, frozenset[int] | None, list]:
    """Channel and EventID constraints at the top of the condition, and what is left of it."""
    channels: frozenset[str] | None = None
    event_ids: frozenset[int] | None = None
    rest = []
    for node in _conjuncts(tree):
        if channels is None and (found := _constants(node, CHANNEL)) is not None:
            channels = frozenset(str(v).lower() for v in found)
        elif event_ids is None and (found := _constants(node, EVENT_ID)) is not None and all(
                isinstance(v, int) or str(v).isdigit() for v in found):
            event_ids = frozenset(int(v) for v in found)
        else:
            rest.append(node)
    return channels, event_ids, rest


class _Compiler:
    def __init__(self, leaves: Leaves) -> None:
        self.leaves = leaves
        self.used: set[int] = set()

    def leaf(self, leaf: Leaf) -> Node:
        node = self.leaves.add(leaf)
        self.used.add(node[1])
        return node

    def conjunction(self, nodes: list) -> Node:
        if not nodes:
            return ("true",)
        if len(nodes) == 1:
            return self.node(nodes[0])
        children = [self.node(n) for n in nodes]  # negations last: the evaluator decides them on fewer rows
        return ("and", tuple(sorted(children, key=lambda c: c[0] == "not")))

    def node(self, node) -> Node:
        if isinstance(node, ConditionAND):
            return self.conjunction(list(node.args))
        if isinstance(node, ConditionOR):
            return ("or", tuple(self.node(a) for a in node.args))
        if isinstance(node, ConditionNOT):
            return ("not", self.node(node.args[0]))
        if isinstance(node, ConditionFieldEqualsValueExpression):
            return self.value(event_field(node.field), node.value)
        if isinstance(node, ConditionValueExpression):
            return self.keyword(node.value)
        raise CompileError(f"unsupported condition element {type(node).__name__}")

    def value(self, name: str, value) -> Node:
        if isinstance(value, SigmaExpansion):
            return ("or", tuple(self.value(name, v) for v in value.values))
        if isinstance(value, SigmaCasedString):
            _check_placeholders(value)
            return self.leaf(Leaf("cased", name, _glob_regex(list(value.s))))
        if isinstance(value, SigmaString):
            _check_placeholders(value)
            return self.leaf(_string_leaf(name, list(value.s)))
        if isinstance(value, SigmaBool):
            return self.leaf(Leaf("eq", name, "true" if value.boolean else "false", "true" if value.boolean else "false"))
        if isinstance(value, SigmaNumber) and type(value) is SigmaNumber:
            text = str(value.number)
            return self.leaf(Leaf("eq", name, text, text))
        if isinstance(value, SigmaNull):
            return self.leaf(Leaf("null", name))
        if isinstance(value, SigmaExists):
            return self.leaf(Leaf("exists", name, value.exists))
        if isinstance(value, SigmaRegularExpression):
            flags = "".join(sorted(value.sigma_to_re_flag[f] for f in value.flags))
            return self.leaf(Leaf("regex", name, (str(value.regexp), flags)))
        if isinstance(value, SigmaCIDRExpression):
            return self.leaf(Leaf("cidr", name, str(value.network)))
        if isinstance(value, SigmaCompareExpression):
            return self.leaf(Leaf("cmp", name, (_COMPARE[value.op], float(value.number.number))))
        if isinstance(value, SigmaFieldReference):
            mode = ("contains" if value.starts_with and value.ends_with else "startswith" if value.starts_with
                    else "endswith" if value.ends_with else "eq")
            return self.leaf(Leaf("fieldref", name, (event_field(value.field), mode)))
        raise CompileError(f"unsupported value type {type(value).__name__} for field {name}")

    def keyword(self, value) -> Node:
        """A value without a field: found anywhere in the event's payload."""
        if isinstance(value, SigmaExpansion):
            return ("or", tuple(self.keyword(v) for v in value.values))
        if isinstance(value, SigmaNumber):
            value = SigmaString(str(value.number))
        if not isinstance(value, SigmaString):
            raise CompileError(f"unsupported keyword type {type(value).__name__}")
        _check_placeholders(value)
        star = SpecialChars.WILDCARD_MULTI
        parts = list(value.s)
        parts = ([] if parts[:1] == [star] else [star]) + parts + ([] if parts[-1:] == [star] else [star])
        return self.leaf(_string_leaf(KEYWORDS, parts))


def _check_placeholders(value: SigmaString) -> None:
    if value.contains_placeholder():
        raise CompileError(f"placeholder in {value.original!r} has no value (pass it to the pipeline)")


def _glob_regex(parts: list) -> str:
    return "(?s)^" + "".join(".*" if p == SpecialChars.WILDCARD_MULTI else "." if p == SpecialChars.WILDCARD_SINGLE
                             else re.escape(p) for p in parts) + "$"


def _string_leaf(name: str, parts: list) -> Leaf:
    """Sigma string semantics: whole-value match, ``*`` and ``?`` wildcards, case-insensitive."""
    parts = [p if isinstance(p, SpecialChars) else p.lower() for p in parts]
    star = SpecialChars.WILDCARD_MULTI
    texts = [p for p in parts if isinstance(p, str)]
    specials = [p for p in parts if isinstance(p, SpecialChars)]
    if not specials:
        text = "".join(texts)
        return Leaf("eq", name, text, text or None)
    if all(p == star for p in specials) and len(texts) <= 1:
        text = texts[0] if texts else ""
        if not text:
            return Leaf("any", name)
        if len(parts) == 3:
            return Leaf("contains", name, text, text)
        if len(parts) == 2:
            return Leaf("startswith" if parts[1] == star else "endswith", name, text, text)
    return Leaf("glob", name, _glob_regex(parts), max(texts, key=len) if texts else None)


# The compiled form as plain data (JSON), for the rule cache: leaves as [kind, field, value, needle],
# trees as nested lists, leaf numbers relative to the leaves stored beside them.

def leaf_to_data(leaf: Leaf) -> list:
    return [leaf.kind, leaf.field, leaf.value, leaf.needle]


def leaf_from_data(data: list) -> Leaf:
    kind, name, value, needle = data
    return Leaf(kind, name, tuple(value) if isinstance(value, list) else value, needle)


def rule_to_data(rule: CompiledRule) -> dict:
    return {"id": rule.id, "title": rule.title, "level": rule.level, "techniques": rule.techniques,
            "variant": rule.variant, "tree": rule.tree, "leaves": sorted(rule.leaves),
            "channels": None if rule.channels is None else sorted(rule.channels),
            "event_ids": None if rule.event_ids is None else sorted(rule.event_ids)}


def _tree_from_data(node: list, leaf_ids: list[int]) -> Node:
    kind = node[0]
    if kind == "leaf":
        return ("leaf", leaf_ids[node[1]])
    if kind == "not":
        return ("not", _tree_from_data(node[1], leaf_ids))
    if kind in ("and", "or"):
        return (kind, tuple(_tree_from_data(child, leaf_ids) for child in node[1]))
    return ("true",)


def rule_from_data(data: dict, leaf_ids: list[int]) -> CompiledRule:
    """A rule read back; ``leaf_ids`` maps the entry's leaf numbers to those of the whole collection."""
    tree = _tree_from_data(data["tree"], leaf_ids)
    return CompiledRule(
        id=data["id"], title=data["title"], level=data["level"], techniques=list(data["techniques"]),
        variant=data["variant"], tree=tree,
        channels=None if data["channels"] is None else frozenset(data["channels"]),
        event_ids=None if data["event_ids"] is None else frozenset(data["event_ids"]),
        leaves=frozenset(leaf_ids[i] for i in data["leaves"]))
