"""Evaluating a compiled rule collection over batches of events.

Per batch: (1) every single-field leaf is decided once per *distinct* value of its field (logs
repeat values: images, users, hashes, paths): the columns are dictionary-encoded (Arrow), each
field's Aho-Corasick automaton (``pyahocorasick``, built once with the rules) runs over the
distinct lower-case values of its field and finds its needles, only those candidates are
checked against their exact test (equals, starts/ends with, wildcard pattern) in one vectorised
expression, and leaves without a needle
(regular expressions, CIDR, comparisons) run on the distinct values too; the results map back
to rows through the codes. (2) The batch is grouped by (channel,
EventID); a rule meets only the groups its log source can produce. (3) Each rule's boolean tree
is evaluated over row bitmaps (Python integers, bit i for row i: ``&``, ``|``, ``^`` run in C over
the whole batch), built at once for every leaf with rows; only a rule's matches become row lists.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import operator
import re
import re._constants as re_constants
import re._parser as re_parser
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import ahocorasick
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .compile import KEYWORDS, NEEDLE_KINDS, CompiledRule, Leaf, Leaves, Node
from .pipeline import CHANNEL, EVENT_DATA, EVENT_ID

_ROW = "\x00row"
#: Joins a field's distinct values for one automaton pass (no needle holds it: see ``_plan_fields``).
_SEPARATOR = "\x00"
#: A field whose distinct values hold this many characters per needle or more first drops the values that hold
#: none with Polars' ``contains_any`` (Rust Aho-Corasick, built on each call: cheap for few needles, several
#: times faster than ``pyahocorasick`` over long text): the keywords over every payload column.
_PREFILTER_CHARS = 1024
_CHANNEL_KEY = "\x00channel"
_EVENT_ID_KEY = "\x00event_id"
_EMPTY = np.empty(0, dtype=np.int64)
_CMP = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


@dataclass(frozen=True)
class Match:
    """Rows of the batch (0-based) that the rule at index ``rule`` matched."""

    rule: int
    rows: list[int]


_PER_ROW = frozenset({"null", "exists", "any", "fieldref"})
_INTEGER_CHARS = frozenset("0123456789-")


@dataclass
class _ValuePlan:
    """The leaves of one field that have no needle: Polars expressions over the field's distinct
    values (``raw`` as logged, ``low`` lower case), CIDR leaves, and patterns only Python's ``re`` takes."""

    expressions: list[tuple[int, pl.Expr]]
    cidr: list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]]
    python: list[tuple[int, re.Pattern]]


class Evaluator:
    """All rules, indexed by the (channel, EventID) pairs they can see."""

    def __init__(self, rules: list[CompiledRule], leaves: Leaves):
        self.rules = rules
        self.leaves = leaves.items
        used = sorted({i for r in rules for i in r.leaves})
        self.keyword_rules = [i for i, r in enumerate(rules) if any(self.leaves[j].field == KEYWORDS for j in r.leaves)]
        self.row_leaves = [i for i in used if self.leaves[i].kind in _PER_ROW]
        self.row_fields = sorted({self.leaves[i].field for i in self.row_leaves}
                                 | {self.leaves[i].value[0] for i in self.row_leaves if self.leaves[i].kind == "fieldref"})
        self._plan_fields([i for i in used if self.leaves[i].kind not in _PER_ROW])
        self.triggered: dict[int, list[int]] = defaultdict(list)  # leaf -> rules that need one of their leaves
        self.untriggered: set[int] = set()  # rules that can match with none of their leaves found (negations)
        valued = {i for found in self.value_leaves.values() for i in found}
        #: the needle-less leaves of each rule (regular expressions, CIDR, …): decided only for the rules
        #: that the needle pass leaves in play, and the rules whose trigger is such a leaf
        self.rule_value_leaves = [r.leaves & valued for r in rules]
        self.value_triggered: set[int] = set()
        for index, rule in enumerate(rules):
            needed = _trigger(rule.tree, valued)
            if needed is None:
                self.untriggered.add(index)
            elif needed & valued:
                self.value_triggered.add(index)
            for leaf_id in needed or ():
                self.triggered[leaf_id].append(index)
        self._applicable: dict[tuple[str | None, int | None], list[int]] = {}

    def _plan_fields(self, leaf_ids: list[int]) -> None:
        """Number the fields; per field one Aho-Corasick automaton over its needles, built once,
        whose hits are keys of one needle table (key -> needle, leaf, exact test)."""
        self.field_ids: dict[str, int] = {}
        self.value_leaves: dict[int, list[int]] = defaultdict(list)
        self.automata: dict[int, ahocorasick.Automaton] = {}
        keys: dict[tuple[int, str], int] = {}
        rows = []
        for leaf_id in leaf_ids:
            leaf = self.leaves[leaf_id]
            fid = self.field_ids.setdefault(leaf.field, len(self.field_ids))
            needle, regex = (leaf.needle, None) if leaf.kind in NEEDLE_KINDS else (None, None)
            if leaf.kind == "regex" and (literal := _regex_literal(*leaf.value)):
                regex = _regex(*leaf.value)
                needle = literal if isinstance(regex, str) else None
            if needle and _SEPARATOR not in needle:
                key = keys.get((fid, needle))
                if key is None:
                    key = keys[fid, needle] = len(keys)
                    self.automata.setdefault(fid, ahocorasick.Automaton()).add_word(needle, key)
                rows.append((key, needle, leaf_id, leaf.kind, leaf.value if leaf.kind == "glob" else None, regex))
            else:
                self.value_leaves[fid].append(leaf_id)
        for automaton in self.automata.values():
            automaton.make_automaton()
        needles = defaultdict(list)
        for fid, needle in keys:
            needles[fid].append(needle)
        self.needles = dict(needles)
        #: fields with a needle that the text of an integer (digits, minus) or of a boolean can hold:
        #: the needle pass skips integer and boolean columns of the other fields
        self.integer_needles = {fid for fid, found in needles.items() if any(set(n) <= _INTEGER_CHARS for n in found)}
        self.boolean_needles = {fid for fid, found in needles.items() if any(n in "true" or n in "false" for n in found)}
        self._value_plans: dict[int, _ValuePlan] = {}
        self.needle_table = pl.DataFrame(rows, schema={"key": pl.Int64, "needle": pl.Utf8, "leaf": pl.Int64,
                                                       "kind": pl.Utf8, "pattern": pl.Utf8, "regex": pl.Utf8},
                                         orient="row")

    def applicable(self, channel: str | None, event_id: int | None) -> list[int]:
        """Indexes of the rules an event of this channel (lower case) and EventID can match: none for
        an event with neither (no Windows event: Zeek, Suricata, syslog, … meet no rule of a Windows
        log source, not even one that names no channel)."""
        key = (channel, event_id)
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = [] if key == (None, None) else [
                i for i, r in enumerate(self.rules)
                if (r.channels is None or channel in r.channels) and (r.event_ids is None or event_id in r.event_ids)]
        return found

    def frame(self, batch: pa.Table) -> pl.DataFrame:
        """The columns the leaves read, as text, and the dispatch keys."""
        present = set(batch.column_names)
        wanted = [c for c in dict.fromkeys([CHANNEL, EVENT_ID, *self.row_fields]) if c in present]
        df = pl.from_arrow(batch.select(wanted))
        assert isinstance(df, pl.DataFrame)

        def column(name: str, dtype: pl.DataType) -> pl.Expr:
            return pl.col(name).cast(dtype, strict=False) if name in present else pl.lit(None, dtype)

        exprs = [column(CHANNEL, pl.Utf8).str.to_lowercase().alias(_CHANNEL_KEY),
                 column(EVENT_ID, pl.Int64).alias(_EVENT_ID_KEY)]
        exprs += [column(name, pl.Utf8).alias(name) for name in self.row_fields if name in present]
        return df.select(exprs)

    def matches(self, batch: pa.Table) -> Iterator[Match]:
        """Every (rule, rows) pair with at least one matching row."""
        if batch.num_rows == 0 or not self.rules:
            return
        height = batch.num_rows
        frame = self.frame(batch)
        groups = frame.select(_CHANNEL_KEY, _EVENT_ID_KEY).with_row_index(_ROW).group_by(
            [_CHANNEL_KEY, _EVENT_ID_KEY]).agg(pl.col(_ROW))
        members = groups.get_column(_ROW)
        owners = np.repeat(np.arange(groups.height, dtype=np.int64), members.list.len().to_numpy())
        group_bits = _bitsets(np.sort(owners * height + members.explode().to_numpy()), height)
        scope: dict[int, list[int]] = defaultdict(list)  # rule -> bitmaps of the groups it meets
        for group, (channel, event_id) in enumerate(groups.select(_CHANNEL_KEY, _EVENT_ID_KEY).iter_rows()):
            for index in self.applicable(channel, event_id):
                scope[index].append(group_bits[group])
        if not scope:
            return
        filled = {name for name in batch.column_names if batch.column(name).null_count < batch.num_rows}
        wanted = [(fid, name) for name, fid in self.field_ids.items() if name in filled]
        if KEYWORDS in self.field_ids and any(i in scope for i in self.keyword_rules):
            wanted += [(self.field_ids[KEYWORDS], name) for name in batch.column_names
                       if name.startswith(EVENT_DATA) and name in filled]
        wanted = [(fid, name) for fid, name in wanted if self._readable(fid, batch.schema.field(name).type)]
        encoded = {name: _encode(batch.column(name)) for name in dict.fromkeys(name for _, name in wanted)}
        row_bits = self._row_bits(frame)

        def value_leaves(found: set[int]) -> set[int]:
            """The needle-less leaves of the rules in scope that ``found`` (and the row leaves) leave in play."""
            maybe = self.untriggered.union(self.value_triggered, *(self.triggered.get(i, ()) for i in (*found, *row_bits)))
            return set().union(*(self.rule_value_leaves[i] for i in maybe.intersection(scope)))

        columns = [(fid, encoded[name], batch.schema.field(name).type) for fid, name in wanted]
        bits = self._leaf_bits(columns, value_leaves, height) if wanted else {}
        bits.update(row_bits)
        candidates = self.untriggered.union(*(self.triggered.get(leaf_id, ()) for leaf_id in bits))
        every = (1 << height) - 1
        for index in sorted(candidates.intersection(scope)):
            found = _evaluate(self.rules[index].tree, bits, every)
            if found and (found := found & functools.reduce(operator.or_, scope[index])):
                yield Match(index, _rows(found, height))

    def _readable(self, fid: int, dtype: pa.DataType) -> bool:
        """Whether a leaf of field ``fid`` can match a value of a column of type ``dtype``."""
        if fid in self.value_leaves:
            return True
        return self._scanned(fid, dtype)

    def _scanned(self, fid: int, dtype: pa.DataType) -> bool:
        """Whether a needle of field ``fid`` can be in the text of a value of type ``dtype``."""
        if pa.types.is_integer(dtype):
            return fid in self.integer_needles
        if pa.types.is_boolean(dtype):
            return fid in self.boolean_needles
        return fid in self.automata

    def _leaf_bits(self, columns: list[tuple[int, pa.DictionaryArray, pa.DataType]],
                   value_leaves: Callable[[set[int]], set[int]], height: int) -> dict[int, int]:
        """Row bitmaps of the single-field leaves that have rows, for all fields at once.

        Each leaf is decided once per distinct value of its field (logs repeat values: images,
        users, hashes): every column is dictionary-encoded, the field's automaton finds the
        needles in each distinct lower-case value, the candidates get their exact test, and the
        matching values map back to rows through the codes. Keyword leaves see every payload
        column. The leaves without a needle are then decided, only those ``value_leaves`` asks
        for given the needle leaves found."""
        encoded = [enc for _, enc, _ in columns]
        dictionaries = [e.dictionary for e in encoded]
        sizes = np.array([len(d) for d in dictionaries])
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        distinct = pl.Series(pa.concat_arrays(dictionaries))
        low = distinct.str.to_lowercase()
        units: list[np.ndarray] = []
        leaves: list[np.ndarray] = []
        if self.automata:
            hit_units, hit_keys = self._needle_hits(columns, starts, low)
            hits = pl.DataFrame({"u": hit_units, "key": hit_keys})
            candidates = hits.join(self.needle_table, on="key")
            at = candidates.get_column("u")
            candidates = candidates.with_columns(value=low.gather(at), raw=distinct.gather(at)).filter(_verified())
            units.append(candidates.get_column("u").to_numpy())
            leaves.append(candidates.get_column("leaf").to_numpy())
        needed = value_leaves(set(_distinct(leaves[0]).tolist()) if leaves else set())
        for (fid, _, _), start, size in zip(columns, starts, sizes, strict=True):
            if fid in self.value_leaves and needed.intersection(self.value_leaves[fid]):
                for leaf_id, hit in self._value_hits(fid, distinct.slice(start, size), low.slice(start, size), needed):
                    units.append(hit + start)
                    leaves.append(np.full(len(hit), leaf_id))
        matched = np.zeros(len(distinct), dtype=bool)
        for hit in units:
            matched[hit] = True
        codes, rows = [], []
        for enc, start, size in zip(encoded, starts, sizes, strict=True):
            if not matched[start:start + size].any():
                continue  # no leaf matched a value of this column
            column_codes = enc.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64) + start
            keep = matched[column_codes] & ~enc.indices.is_null().to_numpy(zero_copy_only=False)
            codes.append(column_codes[keep])
            rows.append(np.flatnonzero(keep))
        if not codes:
            return {}
        return _bits_per_leaf(np.concatenate(codes), np.concatenate(rows), len(distinct), np.concatenate(units),
                              np.concatenate(leaves).astype(np.int64), height)

    def _needle_hits(self, columns: list[tuple[int, pa.DictionaryArray, pa.DataType]], starts: np.ndarray,
                     low: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """(distinct value, needle key), once each, for every needle of its field that a value
        contains: per field, one pass of its automaton over the distinct lower-case values of all
        its columns joined by a separator (only those that hold a needle, where ``_PREFILTER_CHARS`` says),
        the end of each hit mapped back to its value."""
        spans: dict[int, list[range]] = defaultdict(list)
        for (fid, encoded, dtype), start in zip(columns, starts, strict=True):
            if fid in self.automata and self._scanned(fid, dtype):
                spans[fid].append(range(start, start + len(encoded.dictionary)))
        if not spans:
            return _EMPTY, _EMPTY
        lengths = low.str.len_chars().fill_null(0).to_numpy().astype(np.int64) + 1
        scanned: dict[int, np.ndarray] = {}  # field -> its distinct values to scan
        for fid, ranges in spans.items():
            at = np.concatenate([np.arange(r.start, r.stop, dtype=np.int64) for r in ranges])
            if lengths[at].sum() >= _PREFILTER_CHARS * len(self.needles[fid]):
                at = at[low.gather(at).str.contains_any(self.needles[fid]).fill_null(False).to_numpy()]
            scanned[fid] = at
        texts = low.gather(np.concatenate(list(scanned.values()))).fill_null("").to_list()
        units, keys, offset = [], [], 0
        for fid, at in scanned.items():
            joined = _SEPARATOR.join(texts[offset:offset + len(at)])
            offset += len(at)
            found = np.fromiter(itertools.chain.from_iterable(self.automata[fid].iter(joined)), np.int64).reshape(-1, 2)
            units.append(at[np.searchsorted(np.cumsum(lengths[at]), found[:, 0], side="right")])
            keys.append(found[:, 1])
        pairs = _distinct(np.concatenate(units) * len(self.needle_table) + np.concatenate(keys))
        return np.divmod(pairs, len(self.needle_table))

    def _value_hits(self, fid: int, raw: pl.Series, low: pl.Series, needed: set[int]) -> Iterator[tuple[int, np.ndarray]]:
        """(leaf, matching distinct values) for the ``needed`` leaves of field ``fid`` that have no needle."""
        plan = self._value_plans.get(fid)
        if plan is None:
            plan = self._value_plans[fid] = self._value_plan(fid)
        expressions = [expr for leaf_id, expr in plan.expressions if leaf_id in needed]
        if expressions:
            # in sequence, on this thread: the regular expressions stay in its cache of compiled ones (Polars
            # keeps 32 per thread) from batch to batch; a parallel select shares a worker's cache with the needle pass
            masks = pl.DataFrame({"raw": raw, "low": low}).select_seq(expressions)
            for mask in masks.iter_columns():
                yield int(mask.name), np.flatnonzero(mask.fill_null(False).to_numpy())
        networks = [(leaf_id, network) for leaf_id, network in plan.cidr if leaf_id in needed]
        if networks:
            yield from _cidr_hits(raw.to_list(), networks)
        for leaf_id, pattern in plan.python:
            if leaf_id in needed:
                yield leaf_id, np.flatnonzero([v is not None and pattern.search(v) is not None for v in raw.to_list()])

    def _value_plan(self, fid: int) -> _ValuePlan:
        plan = _ValuePlan([], [], [])
        raw, low = pl.col("raw"), pl.col("low")
        for leaf_id in self.value_leaves[fid]:
            leaf = self.leaves[leaf_id]
            kind = leaf.kind
            if kind == "eq":
                expr = low == leaf.value
            elif kind == "glob":
                expr = low.str.contains(leaf.value)
            elif kind == "cased":
                expr = raw.str.contains(leaf.value)
            elif kind == "cmp":
                op, bound = leaf.value
                expr = _CMP[op](raw.cast(pl.Float64, strict=False), bound)
            elif kind == "cidr":
                plan.cidr.append((leaf_id, _network(leaf.value)))
                continue
            elif kind == "regex":
                pattern = _regex(*leaf.value)
                if not isinstance(pattern, str):
                    plan.python.append((leaf_id, pattern))
                    continue
                expr = raw.str.contains(pattern)
            else:
                raise ValueError(f"unknown leaf kind {kind}")
            plan.expressions.append((leaf_id, expr.alias(str(leaf_id))))
        return plan

    def _row_bits(self, frame: pl.DataFrame) -> dict[int, int]:
        """Row bitmaps of the leaves on presence or on two fields that have rows, in one pass over the frame."""
        if not self.row_leaves:
            return {}
        exprs = [_row_expr(frame.columns, self.leaves[leaf_id]).fill_null(False).alias(str(leaf_id))
                 for leaf_id in self.row_leaves]
        masks = frame.with_columns_seq(exprs).select([str(leaf_id) for leaf_id in self.row_leaves]).to_numpy()
        packed = np.packbits(masks.T, axis=1, bitorder="little")
        found = {leaf_id: int.from_bytes(row, "little") for leaf_id, row in zip(self.row_leaves, packed, strict=True)}
        return {leaf_id: bits for leaf_id, bits in found.items() if bits}


def _regex_literal(pattern: str, flags: str) -> str | None:
    """A literal (lower case, ASCII, 3 characters or more) that every match of a case-sensitive
    regular expression contains: the longest run of plain characters at its top level, which
    makes it a needle of the Aho-Corasick pass. None when there is none to be sure of."""
    if "i" in flags or "[:" in pattern:  # case folding beyond ASCII; POSIX classes Python reads as literals
        return None
    try:
        parsed = re_parser.parse(pattern, 0)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    best, run = "", []
    for op, arg in [*parsed, (None, None)]:
        if op is re_constants.LITERAL:
            run.append(chr(arg))
            continue
        best = max(best, "".join(run), key=len)
        run = []
    return best.lower() if len(best) >= 3 and best.isascii() else None


def _regex(pattern: str, flags: str) -> str | re.Pattern:
    """Sigma ``|re``: for Polars' Rust engine when it accepts the pattern, else compiled for Python's ``re``."""
    full = f"(?{flags}){pattern}" if flags else pattern
    try:
        pl.Series([""]).str.contains(full)
    except pl.exceptions.PolarsError:
        return re.compile(pattern, sum(getattr(re, f.upper()) for f in flags))
    return full


def _encode(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """A column dictionary-encoded, its distinct values as text the way the engine compares them
    (booleans as true/false); each distinct value is converted once."""
    encoded = pc.dictionary_encode(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks())
    values = encoded.dictionary
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pl.Series(values).cast(pl.Utf8, strict=False).to_arrow()
    return pa.DictionaryArray.from_arrays(encoded.indices, values.cast(pa.large_string()))


def _row_expr(columns: list[str], leaf: Leaf) -> pl.Expr:
    """A leaf on presence or on two fields, row by row (an absent column holds nulls)."""
    def column(name: str) -> pl.Expr:
        return pl.col(name) if name in columns else pl.lit(None, pl.Utf8)

    raw = column(leaf.field)
    if leaf.kind == "null":
        return raw.is_null()
    if leaf.kind in ("any", "exists"):
        return raw.is_not_null() if leaf.value in (None, True) else raw.is_null()
    low, other = raw.str.to_lowercase(), column(leaf.value[0]).str.to_lowercase()
    mode = leaf.value[1]
    if mode == "eq":
        return low == other
    if mode == "contains":
        return low.str.contains(other, literal=True)
    return low.str.starts_with(other) if mode == "startswith" else low.str.ends_with(other)


def _bits_per_leaf(codes: np.ndarray, rows: np.ndarray, distinct: int, units: np.ndarray,
                   leaves: np.ndarray, height: int) -> dict[int, int]:
    """Row bitmaps per leaf from (distinct value, leaf) pairs, given (value code, row) of every
    cell whose value a leaf matched (a row can hold a keyword in several columns)."""
    order = np.argsort(codes, kind="stable")
    rows_by_code = rows[order]
    counts = np.bincount(codes, minlength=distinct)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    lengths = counts[units]
    total = int(lengths.sum())
    if not total:
        return {}
    offsets = np.repeat(starts[units] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    found = rows_by_code[offsets + np.arange(total)]
    return _bitsets(_distinct(np.repeat(leaves, lengths) * height + found), height)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (of non-negative integers: a sort, many times faster than NumPy's hashing ``unique``)."""
    values = np.sort(values)
    return values[np.diff(values, prepend=-1) != 0]


def _bitsets(keys: np.ndarray, height: int) -> dict[int, int]:
    """Row bitmaps per owner from sorted, unique keys ``owner * height + row``: the bits of all owners
    packed at once, one byte per eight rows, each owner's bytes read as one integer."""
    if not len(keys):
        return {}
    owners, rows = np.divmod(keys, height)
    width = (height + 7) // 8
    first = np.flatnonzero(np.diff(owners, prepend=-1))
    slots = np.cumsum(np.diff(owners, prepend=owners[0]) != 0)
    cells = slots * width + (rows >> 3)
    starts = np.flatnonzero(np.diff(cells, prepend=-1))
    packed = np.zeros(len(first) * width, dtype=np.uint8)
    packed[cells[starts]] = np.add.reduceat(np.left_shift(1, rows & 7), starts)  # distinct bits: a sum is an or
    packed = packed.reshape(len(first), width)
    return {int(owner): int.from_bytes(packed[slot], "little") for slot, owner in enumerate(owners[first])}


def _rows(bits: int, height: int) -> list[int]:
    """The rows (ascending) of a row bitmap."""
    packed = np.frombuffer(bits.to_bytes((height + 7) // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(packed, bitorder="little")).tolist()


def _verified() -> pl.Expr:
    """The exact test of a needle candidate (``value`` holds the lower-case value, ``raw`` the value as logged)."""
    kind, needle, value = pl.col("kind"), pl.col("needle"), pl.col("value")
    return (((kind == "contains") | ((kind == "startswith") & value.str.starts_with(needle))
             | ((kind == "endswith") & value.str.ends_with(needle)) | ((kind == "eq") & (value == needle))
             | ((kind == "glob") & value.str.contains(pl.col("pattern")))
             | ((kind == "regex") & pl.col("raw").str.contains(pl.col("regex")))).fill_null(False))


def _cidr_hits(values: list[str | None], networks: list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]]
               ) -> Iterator[tuple[int, np.ndarray]]:
    """(leaf, matching distinct values) for CIDR leaves: each value parsed once, IPv4 ranges compared as integers."""
    addresses = [None if v is None else _address(v) for v in values]
    v4 = np.array([int(a) if a is not None and a.version == 4 else -1 for a in addresses], dtype=np.int64)
    v6 = [(i, a) for i, a in enumerate(addresses) if a is not None and a.version == 6]
    for leaf_id, network in networks:
        if network.version == 4:
            yield leaf_id, np.flatnonzero((v4 >= int(network.network_address)) & (v4 <= int(network.broadcast_address)))
        else:
            yield leaf_id, np.array([i for i, a in v6 if a in network], dtype=np.int64)


@functools.lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr)


@functools.lru_cache(maxsize=65536)
def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a value holds (parsed once for all CIDR leaves), None when it holds none."""
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trigger(node: Node, costly: set[int]) -> frozenset[int] | None:
    """Leaves of which at least one must have rows for ``node`` to match any row, or None when
    it can match without any (a negation, an always-true condition); of a conjunction's choices
    the one without ``costly`` leaves (decided after the needle pass), then the smallest."""
    tag = node[0]
    if tag == "leaf":
        return frozenset((node[1],))
    if tag == "and":
        needed = [t for t in (_trigger(child, costly) for child in node[1]) if t is not None]
        return min(needed, key=lambda t: (bool(t & costly), len(t))) if needed else None
    if tag == "or":
        needed = [_trigger(child, costly) for child in node[1]]
        return None if any(t is None for t in needed) else frozenset().union(*needed)
    return None


def _evaluate(node: Node, bits: dict[int, int], every: int) -> int:
    """A rule tree over row bitmaps: the bitmap of its matching rows; ``every`` has every row's bit."""
    tag = node[0]
    if tag == "leaf":
        return bits.get(node[1], 0)
    if tag == "and":  # positive children come first (compile): an empty result ends the work
        found = every
        for child in node[1]:
            found &= _evaluate(child, bits, every)
            if not found:
                break
        return found
    if tag == "or":
        found = 0
        for child in node[1]:
            found |= _evaluate(child, bits, every)
        return found
    if tag == "not":
        return every ^ _evaluate(node[1], bits, every)
    return every
