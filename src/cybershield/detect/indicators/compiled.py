"""A compiled, immutable set of STIX 2.1 indicators and the matching of event batches against it.

Compiling keeps the latest version of each indicator (by ``modified``), drops revoked ones,
rejects unusable ones with the reason (counted, never fatal), turns simple patterns into indexed
terms (``patterns``, ``index``) and the rest into ``stix2-matcher`` patterns run on candidate
events only. Matching works on each column's distinct values (Arrow dictionary encoding), so the
cost follows the number of distinct addresses, names and hashes in a batch, not its rows.

Expiry is decided against **event time**: an indicator matches an event while the event's
``@timestamp`` (else ``event.ingested``, else the wall clock) is before its ``valid_until``. So
a replay of last month's logs still hits what was valid last month, and live traffic stops
hitting an indicator the moment it expires. ``valid_from`` does not limit matching, so that a
new indicator still finds older events (retro-hunting).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from stix2matcher.matcher import Pattern as MatcherPattern
from stix2patterns.pattern import Pattern as ParsedPattern

from ...intel import techniques_of_stix
from ..alerts import Alert, EventRef, event_refs
from . import observations
from .columns import Distinct, DistinctColumns
from .index import NetworkIndex, Postings, ValueIndex
from .patterns import MAX_PATTERN_LENGTH, NotSimple, simple_terms, spans_events
from .prefilter import Condition, candidates, compile_prefilter
from .values import FIELDS, domain_suffixes, ip_text, normalise, normalise_events, normalise_urls

_versions = itertools.count(1)
_NEVER = np.iinfo(np.int64).max
_LEVELS = ("low", "medium", "high")
MAX_KEPT_REJECTIONS = 1000


@dataclass(frozen=True)
class Rejection:
    """An indicator (or file row) that could not be used, and why."""

    id: str | None
    reason: str


def _micros(stamp: object) -> int:
    if stamp is None:
        return _NEVER
    if isinstance(stamp, datetime):  # stix2 objects carry datetimes
        stamp = stamp.isoformat()
    if not isinstance(stamp, str):
        raise ValueError(f"valid_until is {type(stamp).__name__}, not a timestamp")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad valid_until {stamp[:40]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1_000_000)


def _level(obj: dict) -> str:
    """high unless the producer's ``confidence`` (0-100) says otherwise."""
    confidence = obj.get("confidence")
    if not isinstance(confidence, int) or confidence >= 70:
        return "high"
    return "medium" if confidence >= 40 else "low"


@dataclass(frozen=True)
class _Complex:
    number: int
    matcher: MatcherPattern
    types: frozenset[str]
    spans_events: bool
    conditions: list[Condition]


class _Kind:
    """One indicator kind: its index, the slot -> indicators postings, and each slot's value."""

    def __init__(self, kind: str, keys: dict, slots: list[int], members: list[int]):
        self.kind = kind
        ordered = list(keys)
        if kind == "url":  # normalised in bulk, with the very expression events go through
            distinct: dict[str, int] = {}
            remap = [distinct.setdefault(v, len(distinct)) for v in normalise_urls(pa.array(ordered)).to_pylist()]
            slots, ordered = [remap[s] for s in slots], list(distinct)
        self.index = NetworkIndex(ordered) if kind == "ip" else ValueIndex(ordered)
        self.label_counts = sorted({k.count(".") + 1 for k in ordered}) if kind == "domain" else []
        self.values = pa.array([ip_text(k) for k in ordered] if kind == "ip" else ordered, pa.string())
        self.postings = Postings(np.asarray(slots, np.int64), np.asarray(members, np.int64), len(ordered))

    def probe(self, values: pa.Array) -> list[tuple[int, int]]:
        """(position in values, slot) for each value that hits."""
        if self.kind == "ip":
            return self.index.lookup(values)
        if self.kind == "domain":  # the name itself and every parent an indicator could name
            positions, suffixes = domain_suffixes(normalise_events("domain", values), self.label_counts)
        elif self.kind == "email":  # a header may list several addresses
            frame = pl.DataFrame({"v": pl.from_arrow(values)}).with_row_index("i").with_columns(
                pl.col("v").str.split(",")).explode("v")
            positions, suffixes = frame["i"].to_numpy(), normalise_events("email", frame["v"].to_arrow())
        else:
            positions, suffixes = np.arange(len(values)), normalise_events(self.kind, values)
        slots = self.index.lookup(pl.from_arrow(suffixes))
        hit = np.flatnonzero(slots >= 0)
        return list(zip(positions[hit].tolist(), slots[hit].tolist(), strict=True))

    @property
    def nbytes(self) -> int:
        return self.index.nbytes + self.postings.nbytes + self.values.nbytes


class CompiledIndicators:
    """An immutable, indexed indicator set; ``match`` a batch against it."""

    def __init__(self, objects: Iterable[object], *, rejections: Iterable[Rejection] = ()):
        self.version = next(_versions)
        self.compiled_at = datetime.now(UTC)
        self.rejected = 0
        self.rejections: list[Rejection] = []
        self.revoked = 0
        self.ignored: Counter[str] = Counter()
        for rejection in rejections:
            self._reject(rejection.id, rejection.reason)
        latest: dict[str, dict] = {}
        for obj in objects:
            if isinstance(obj, Mapping) and not isinstance(obj, dict):  # stix2 library objects
                obj = dict(obj)
            if not isinstance(obj, dict):
                self._reject(None, f"not a JSON object: {type(obj).__name__}")
            elif obj.get("type") != "indicator":
                self.ignored[str(obj.get("type"))] += 1
            elif not isinstance(obj.get("id"), str) or not obj["id"].startswith("indicator--"):
                self._reject(None, f"indicator without a valid id: {str(obj.get('id'))[:80]!r}")
            else:
                seen = latest.get(obj["id"])
                if seen is None or str(obj.get("modified", "")) >= str(seen.get("modified", "")):
                    latest[obj["id"]] = obj
        self.match_errors = 0
        self.matcher_runs = 0
        self.last_match_error: str | None = None
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._patterns: list[str] = []
        self._levels: list[int] = []
        self._until: list[int] = []
        self._techniques: dict[int, list[str]] = {}
        self._complex: list[_Complex] = []
        terms: dict[str, tuple[dict, list[int], list[int]]] = {k: ({}, [], []) for k in FIELDS}
        for obj in latest.values():
            if obj.get("revoked") is True:
                self.revoked += 1
                continue
            try:
                compiled = self._compile(obj)
            except (ValueError, TypeError, RecursionError) as exc:
                self._reject(obj["id"], str(exc) or type(exc).__name__)
                continue
            number = len(self._ids)
            self._ids.append(obj["id"])
            self._patterns.append(obj["pattern"])
            self._titles.append(str(obj.get("name") or obj["pattern"])[:200])
            self._levels.append(_LEVELS.index(_level(obj)))
            self._until.append(_micros(obj.get("valid_until")))
            if techniques := techniques_of_stix(obj):
                self._techniques[number] = techniques
            if isinstance(compiled, tuple):
                self._complex.append(_Complex(number, *compiled))
                continue
            for kind, key in compiled:
                keys, slots, members = terms[kind]
                slots.append(keys.setdefault(key, len(keys)))
                members.append(number)
        self._until_arr = np.asarray(self._until, np.int64)
        self._ids_arr = pa.array(self._ids, pa.string())
        self._titles_arr = pa.array(self._titles, pa.string())
        self._patterns_arr = pa.array(self._patterns, pa.string())
        self._levels_arr = np.asarray(self._levels, np.int8)
        del self._ids, self._titles, self._patterns, self._levels, self._until
        self._kinds = {k: _Kind(k, *t) for k, t in terms.items() if t[0]}

    def _reject(self, ident: str | None, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append(Rejection(ident, reason))

    @staticmethod
    def _compile(obj: dict) -> list[tuple[str, object]] | tuple[MatcherPattern, frozenset[str], bool, list]:
        pattern = obj.get("pattern")
        if obj.get("pattern_type", "stix") != "stix":
            raise ValueError(f"pattern_type {str(obj.get('pattern_type'))[:40]!r} is not supported (only stix)")
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError("no pattern")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise ValueError(f"pattern of {len(pattern)} characters (limit {MAX_PATTERN_LENGTH})")
        _micros(obj.get("valid_until"))
        try:
            return [(kind, normalise(kind, value)) for kind, value in simple_terms(pattern)]
        except NotSimple:
            pass
        try:
            parsed = ParsedPattern(pattern)
            matcher = MatcherPattern(pattern, stix_version="2.1")
        except Exception as exc:  # the ANTLR parser raises several kinds
            raise ValueError(f"bad STIX pattern: {str(exc)[:300]}") from None
        comparisons = parsed.inspect().comparisons
        types = frozenset(comparisons)
        unknown = types - set(observations.TYPE_COLUMNS)
        if unknown == types:
            raise ValueError(f"no event field carries {', '.join(sorted(types))}")
        return matcher, types, spans_events(pattern), compile_prefilter(pattern, comparisons)

    # --- matching -------------------------------------------------------------------------------

    def match(self, batch: pa.Table) -> list[Alert]:
        columns = DistinctColumns(batch)
        hits: dict[tuple[int, int], dict] = {}
        for kind, entry in self._kinds.items():
            for field in FIELDS[kind]:
                distinct = columns.get(field)
                if distinct is not None:
                    self._match_field(distinct, kind, entry, field, hits)
        alerts = self._alerts(batch, hits)
        for pattern in self._complex:
            alerts += self._match_complex(batch, columns, pattern)
        return alerts

    @staticmethod
    def _match_field(distinct: Distinct, kind: str, entry: _Kind, field: str, hits: dict) -> None:
        pairs = entry.probe(distinct.values)
        if not pairs:
            return
        by_value: dict[int, list[int]] = {}
        for pos, slot in pairs:
            by_value.setdefault(pos, []).append(slot)
        hit_value = np.zeros(len(distinct.values), bool)
        hit_value[list(by_value)] = True
        rows = distinct.rows_where(hit_value)
        codes = distinct.codes[np.flatnonzero(hit_value[distinct.codes])]
        texts = dict(zip(by_value, distinct.values.take(list(by_value)).to_pylist(), strict=True))
        slots = sorted({slot for found in by_value.values() for slot in found})
        slot_text = dict(zip(slots, entry.values.take(slots).to_pylist(), strict=True))
        members = {slot: entry.postings.of(slot).tolist() for slot in slots}
        for row, code in zip(rows.tolist(), codes.tolist(), strict=True):
            for slot in by_value[code]:
                for number in members[slot]:
                    hits.setdefault((row, number), {"field": field, "value": texts[code], "kind": kind,
                                                    "indicator_value": slot_text[slot]})

    def _event_times(self, batch: pa.Table, rows: list[int]) -> np.ndarray:
        now = int(datetime.now(UTC).timestamp() * 1_000_000)
        out = np.full(len(rows), now, np.int64)
        for name in ("event.ingested", "@timestamp"):
            if name in batch.column_names and rows:
                col = batch.column(name).take(rows)
                if pa.types.is_timestamp(col.type):
                    col = col.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
                    values = col.to_numpy(zero_copy_only=False)
                    valid = pc.is_valid(col).to_numpy(zero_copy_only=False)
                    out[valid] = values[valid]
        return out

    def _alerts_for(self, numbers: list[int], events: list[list[EventRef]], matched: list[dict]) -> list[Alert]:
        """One alert per (indicator number, its events, what matched), metadata fetched in bulk."""
        index = pa.array(numbers, pa.int64())
        ids = self._ids_arr.take(index).to_pylist()
        titles = self._titles_arr.take(index).to_pylist()
        patterns = self._patterns_arr.take(index).to_pylist()
        alerts = []
        for number, ident, title, pattern, refs, match in zip(numbers, ids, titles, patterns, events, matched,
                                                               strict=True):
            until = int(self._until_arr[number])
            alerts.append(Alert(
                kind="indicator", rule_id=ident, rule_title=title, level=_LEVELS[self._levels_arr[number]],
                events=refs, techniques=list(self._techniques.get(number, [])),
                context={"indicator": {"id": ident, "pattern": pattern,
                                       "valid_until": None if until == _NEVER else
                                       datetime.fromtimestamp(until / 1e6, UTC).isoformat()},
                         "matched": match, "indicator_set_version": self.version}))
        return alerts

    def _alerts(self, batch: pa.Table, hits: dict) -> list[Alert]:
        if not hits:
            return []
        keys = sorted(hits)
        rows = [row for row, _ in keys]
        live = self._event_times(batch, rows) < self._until_arr[[n for _, n in keys]]
        refs = event_refs(batch, rows)
        kept = [(number, [ref], hits[(row, number)])
                for (row, number), ref, ok in zip(keys, refs, live, strict=True) if ok]
        return self._alerts_for(*map(list, zip(*kept, strict=True))) if kept else []

    def _run_matcher(self, pattern: _Complex, observed: list[tuple[dict, list[dict]]]) -> set[str]:
        """Ids of the observed-data that the first binding of the pattern matched."""
        self.matcher_runs += 1
        try:
            found = pattern.matcher.match([observations.bundle(observed)])
        except Exception as exc:  # the matcher's own errors on odd data must not stop the stream
            self.match_errors += 1
            self.last_match_error = f"{self._ids_arr[pattern.number]}: {str(exc)[:200]}"
            return set()
        return {o["id"] for item in found for o in item.get("objects", [item]) if o.get("type") == "observed-data"}

    def _match_complex(self, batch: pa.Table, columns: DistinctColumns, pattern: _Complex) -> list[Alert]:
        """A pattern over one observation is run once per distinct combination of the values it can
        see (one alert per matching event); one spanning several is run over the batch's candidates
        together (one alert naming the events of the binding)."""
        rows = candidates(columns, pattern.types, pattern.conditions)
        times = self._event_times(batch, rows)
        rows = [r for r, t in zip(rows, times, strict=True) if t < self._until_arr[pattern.number]]
        if not rows:
            return []
        needed = observations.columns(pattern.types, batch.column_names, pattern.spans_events)
        records = batch.select(needed).take(rows).to_pylist()
        matched_how = {"field": "(stix pattern)", "kind": "pattern"}
        if pattern.spans_events:
            observed = [observations.observation(rec, f"{self.version}/{row}") for row, rec in
                        zip(rows, records, strict=True)]
            by_id = {o["id"]: row for (o, _), row in zip(observed, rows, strict=True)}
            matched = sorted(by_id[i] for i in self._run_matcher(pattern, observed) if i in by_id)
            return self._alerts_for([pattern.number], [event_refs(batch, matched)], [matched_how]) if matched else []
        distinct: dict[tuple, list[int]] = {}
        for row, rec in zip(rows, records, strict=True):
            distinct.setdefault(tuple(rec.values()), []).append(row)
        matched = []
        for key, group in distinct.items():
            observed = observations.observation(dict(zip(needed, key, strict=True)), f"{self.version}/{group[0]}")
            if self._run_matcher(pattern, [observed]):
                matched += group
        if not matched:
            return []
        matched.sort()
        refs = event_refs(batch, matched)
        return self._alerts_for([pattern.number] * len(matched), [[r] for r in refs], [matched_how] * len(matched))

    # --- summary --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids_arr)

    @property
    def nbytes(self) -> int:
        """Bytes held by the indexes and the per-indicator arrays."""
        return (sum(k.nbytes for k in self._kinds.values()) + self._until_arr.nbytes + self._levels_arr.nbytes
                + self._ids_arr.nbytes + self._titles_arr.nbytes + self._patterns_arr.nbytes)

    def describe(self) -> dict:
        now = int(datetime.now(UTC).timestamp() * 1_000_000)
        return {
            "version": self.version, "compiled_at": self.compiled_at.isoformat(),
            "indicators": len(self), "complex_patterns": len(self._complex),
            "values": {k: len(v.index) for k, v in self._kinds.items()},
            "expired_now": int((self._until_arr <= now).sum()), "revoked": self.revoked,
            "ignored": dict(self.ignored), "rejected": self.rejected,
            "rejections": [asdict(r) for r in self.rejections],
            "matcher_runs": self.matcher_runs, "match_errors": self.match_errors, "last_match_error": self.last_match_error,
            "index_bytes": self.nbytes,
        }

