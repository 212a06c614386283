"""Evaluating a compiled rule collection over batches of events.

Per batch: (1) split the events by (channel, EventID); each part meets only the rules whose log
source can produce it. (2) Per part and field, one Aho-Corasick pass (Polars ``extract_many``)
finds every rule needle in every value; only those candidates are checked against their exact
test (equals, starts/ends with, wildcard pattern), all in one vectorised expression. Leaves
without a needle (regular expressions, CIDR, comparisons, null tests, field references) are
computed column-wise. (3) Each rule's boolean tree is evaluated over the sparse row sets of its
leaves (sorted NumPy index arrays), so a rule whose selection finds nothing costs almost nothing.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from .compile import KEYWORDS, NEEDLE_KINDS, CompiledRule, Leaf, Leaves, Node
from .pipeline import CHANNEL, EVENT_DATA, EVENT_ID

_ROW = "\x00row"
_CHANNEL_KEY = "\x00channel"
_EVENT_ID_KEY = "\x00event_id"
_EMPTY = np.empty(0, dtype=np.int64)
_CMP = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def lower(name: str) -> str:
    return name + "\x00lower"


@dataclass(frozen=True)
class Match:
    """Rows of the batch (0-based) that the rule at index ``rule`` matched."""

    rule: int
    rows: list[int]


@dataclass
class _Plan:
    """What one (channel, EventID) part needs: its rules, needle tables per field, dense leaves."""

    rules: list[int]
    needles: dict[str, tuple[list[str], pl.DataFrame]]
    dense: list[int]


class Evaluator:
    """All rules, indexed by the (channel, EventID) pairs they can see."""

    def __init__(self, rules: list[CompiledRule], leaves: Leaves):
        self.rules = rules
        self.leaves = leaves.items
        used = {i for r in rules for i in r.leaves}
        self.fields = sorted({self.leaves[i].field for i in used} - {KEYWORDS}
                             | {self.leaves[i].value[0] for i in used if self.leaves[i].kind == "fieldref"})
        self.keywords = any(self.leaves[i].field == KEYWORDS for i in used)
        self._plans: dict[tuple[str | None, int | None], _Plan] = {}
        self._regex: dict[int, object] = {}

    def plan(self, channel: str | None, event_id: int | None) -> _Plan:
        """The rules an event of this channel (lower case) and EventID can match, and their leaves."""
        key = (channel, event_id)
        found = self._plans.get(key)
        if found is None:
            indexes = [i for i, r in enumerate(self.rules)
                       if (r.channels is None or channel in r.channels)
                       and (r.event_ids is None or event_id in r.event_ids)]
            by_field: dict[str, list[tuple[str, int, str, str | None]]] = defaultdict(list)
            dense = []
            for leaf_id in sorted({i for r in indexes for i in self.rules[r].leaves}):
                leaf = self.leaves[leaf_id]
                if leaf.kind in NEEDLE_KINDS and leaf.needle:
                    by_field[leaf.field].append((leaf.needle, leaf_id, leaf.kind,
                                                 leaf.value if leaf.kind == "glob" else None))
                else:
                    dense.append(leaf_id)
            needles = {name: (sorted({n for n, *_ in rows}),
                              pl.DataFrame(rows, schema={"needle": pl.Utf8, "leaf": pl.Int64, "kind": pl.Utf8,
                                                         "pattern": pl.Utf8}, orient="row"))
                       for name, rows in by_field.items()}
            found = self._plans[key] = _Plan(indexes, needles, dense)
        return found

    def frame(self, batch: pa.Table) -> pl.DataFrame:
        """The columns the leaves read: each field as text and lower case, keywords, dispatch keys."""
        df = pl.from_arrow(batch)
        assert isinstance(df, pl.DataFrame)
        present = set(df.columns)

        def column(name: str, dtype: pl.DataType) -> pl.Expr:
            return pl.col(name).cast(dtype, strict=False) if name in present else pl.lit(None, dtype)

        exprs = [pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW),
                 column(CHANNEL, pl.Utf8).str.to_lowercase().alias(_CHANNEL_KEY),
                 column(EVENT_ID, pl.Int64).alias(_EVENT_ID_KEY)]
        for name in self.fields:
            text = column(name, pl.Utf8)
            exprs += [text.alias(name), text.str.to_lowercase().alias(lower(name))]
        if self.keywords:
            payload = [pl.col(c).cast(pl.Utf8) for c in df.columns if c.startswith(EVENT_DATA)]
            text = pl.concat_str(payload, separator="\x1f", ignore_nulls=True) if payload else pl.lit(None, pl.Utf8)
            exprs.append(text.str.to_lowercase().alias(lower(KEYWORDS)))
        return df.select(exprs)

    def matches(self, batch: pa.Table) -> Iterator[Match]:
        """Every (rule, rows) pair with at least one matching row."""
        if batch.num_rows == 0 or not self.rules:
            return
        frame = self.frame(batch)
        for (channel, event_id), part in frame.partition_by([_CHANNEL_KEY, _EVENT_ID_KEY], as_dict=True).items():
            plan = self.plan(channel, event_id)
            if not plan.rules:
                continue
            sets = self._needle_rows(part, plan)
            for leaf_id in plan.dense:
                sets[leaf_id] = self._dense_rows(part, leaf_id)
            rows = part.get_column(_ROW).to_numpy()
            everything = np.arange(part.height)
            for index in plan.rules:
                found, negated = _evaluate(self.rules[index].tree, sets)
                if negated:
                    found = np.setdiff1d(everything, found, assume_unique=True)
                if len(found):
                    yield Match(index, rows[found].tolist())

    def _needle_rows(self, part: pl.DataFrame, plan: _Plan) -> dict[int, np.ndarray]:
        """Rows per needle leaf: one Aho-Corasick pass per field, then an exact check of the candidates."""
        found: list[pl.DataFrame] = []
        for name, (needles, table) in plan.needles.items():
            values = part.get_column(lower(name))
            if values.null_count() == len(values):
                continue
            hits = pl.DataFrame({"row": np.arange(part.height), "needle": values.str.extract_many(needles, overlapping=True)})
            pairs = hits.explode("needle").drop_nulls().unique().join(table, on="needle")
            if pairs.height:
                found.append(pairs.with_columns(value=values.gather(pairs.get_column("row"))))
        if not found:
            return {}
        pairs = pl.concat(found)
        kind, needle, value = pl.col("kind"), pl.col("needle"), pl.col("value")
        ok = ((kind == "contains") | ((kind == "startswith") & value.str.starts_with(needle))
              | ((kind == "endswith") & value.str.ends_with(needle)) | ((kind == "eq") & (value == needle))
              | ((kind == "glob") & value.str.contains(pl.col("pattern"))))
        grouped = pairs.filter(ok.fill_null(False)).group_by("leaf").agg(pl.col("row").unique().sort())
        return {leaf: np.asarray(rows, dtype=np.int64) for leaf, rows in grouped.iter_rows()}

    def _dense_rows(self, part: pl.DataFrame, leaf_id: int) -> np.ndarray:
        leaf = self.leaves[leaf_id]
        mask = self._mask(part, leaf_id, leaf)
        return np.flatnonzero(mask.fill_null(False).to_numpy())

    def _mask(self, part: pl.DataFrame, leaf_id: int, leaf: Leaf) -> pl.Series:
        raw = part.get_column(leaf.field) if leaf.field != KEYWORDS else part.get_column(lower(KEYWORDS))
        low = part.get_column(lower(leaf.field))
        kind = leaf.kind
        if kind == "eq":
            return low == leaf.value
        if kind == "glob":
            return low.str.contains(leaf.value)
        if kind == "cased":
            return raw.str.contains(leaf.value)
        if kind in ("any", "exists"):
            return raw.is_not_null() if leaf.value in (None, True) else raw.is_null()
        if kind == "null":
            return raw.is_null()
        if kind == "regex":
            return self._regex_mask(raw, leaf_id, leaf)
        if kind == "cmp":
            op, bound = leaf.value
            return _CMP[op](raw.cast(pl.Float64, strict=False), bound)
        if kind == "cidr":
            network = ipaddress.ip_network(leaf.value)
            return pl.Series([_in_network(v, network) for v in raw], dtype=pl.Boolean)
        if kind == "fieldref":
            other = part.get_column(lower(leaf.value[0]))
            mode = leaf.value[1]
            if mode == "eq":
                return low == other
            frame = pl.DataFrame({"a": low, "b": other})
            method = {"contains": lambda a, b: a.str.contains(b, literal=True),
                      "startswith": lambda a, b: a.str.starts_with(b), "endswith": lambda a, b: a.str.ends_with(b)}[mode]
            return frame.select(method(pl.col("a"), pl.col("b"))).to_series()
        raise ValueError(f"unknown leaf kind {kind}")

    def _regex_mask(self, raw: pl.Series, leaf_id: int, leaf: Leaf) -> pl.Series:
        """Sigma ``|re``: Polars' Rust engine when it accepts the pattern, else Python's ``re``."""
        pattern, flags = leaf.value
        compiled = self._regex.get(leaf_id)
        if compiled is None:
            full = f"(?{flags}){pattern}" if flags else pattern
            try:
                pl.Series([""]).str.contains(full)
                compiled = full
            except pl.exceptions.PolarsError:
                compiled = re.compile(pattern, sum(getattr(re, f.upper()) for f in flags))
            self._regex[leaf_id] = compiled
        if isinstance(compiled, str):
            return raw.str.contains(compiled)
        return pl.Series([None if v is None else bool(compiled.search(v)) for v in raw], dtype=pl.Boolean)


def _in_network(value: str | None, network) -> bool | None:
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip()) in network
    except ValueError:
        return False


def _evaluate(node: Node, sets: dict[int, np.ndarray]) -> tuple[np.ndarray, bool]:
    """A rule tree over sparse row sets: (rows, negated); negated means "every row except these"."""
    tag = node[0]
    if tag == "leaf":
        return sets.get(node[1], _EMPTY), False
    if tag == "not":
        rows, negated = _evaluate(node[1], sets)
        return rows, not negated
    if tag == "true":
        return _EMPTY, True
    positive: np.ndarray | None = None
    negatives: list[np.ndarray] = []
    if tag == "and":
        for child in node[1]:
            rows, negated = _evaluate(child, sets)
            if negated:
                negatives.append(rows)
            else:
                positive = rows if positive is None else np.intersect1d(positive, rows, assume_unique=True)
                if not len(positive):
                    return _EMPTY, False
        excluded = _union(negatives)
        if positive is None:
            return excluded, True
        return np.setdiff1d(positive, excluded, assume_unique=True), False
    # or: P ∪ ¬A ∪ ¬B = ¬((A ∩ B) − P)
    kept: np.ndarray | None = None
    positives: list[np.ndarray] = []
    for child in node[1]:
        rows, negated = _evaluate(child, sets)
        if negated:
            kept = rows if kept is None else np.intersect1d(kept, rows, assume_unique=True)
        else:
            positives.append(rows)
    united = _union(positives)
    if kept is None:
        return united, False
    return np.setdiff1d(kept, united, assume_unique=True), True


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _EMPTY
    if len(arrays) == 1:
        return arrays[0]
    return np.unique(np.concatenate(arrays))
