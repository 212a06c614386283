"""Sigma v2 correlation rules over the matches of their base rules.

Supported types: ``event_count``, ``value_count``, ``temporal``, ``temporal_ordered`` and the
metrics of Sigma 2.1 (``value_sum``, ``value_avg``, ``value_median`` and ``value_percentile``, the
linear-interpolation percentile, over the numeric values of the condition's field; a match whose
field holds no number does not count), with ``group-by`` (and field aliases) and ``timespan``. Matches are kept per (correlation, group) in
time order. Conditions that grow with the events (``gt``, ``gte``, ``eq``, ``neq``) are checked on
the window that ends at each new event, so a correlation fires as soon as it holds; the window's
events then start afresh. Conditions that only a finished window can prove (``lt``, ``lte``) are
checked on windows anchored at their first event once a later event or the end of the stream
closes them. Base rules referenced by a correlation raise no alerts of their own unless the
correlation says ``generate: true``, as the specification wants.
"""

from __future__ import annotations

import math
import operator
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from ..alerts import Alert, EventRef
from .compile import CompiledRule, level, techniques
from .loader import RuleFailure
from .pipeline import event_field

_OPS = {
    SigmaCorrelationConditionOperator.LT: operator.lt, SigmaCorrelationConditionOperator.LTE: operator.le,
    SigmaCorrelationConditionOperator.GT: operator.gt, SigmaCorrelationConditionOperator.GTE: operator.ge,
    SigmaCorrelationConditionOperator.EQ: operator.eq, SigmaCorrelationConditionOperator.NEQ: operator.ne,
}
_CLOSED_ONLY = {SigmaCorrelationConditionOperator.LT, SigmaCorrelationConditionOperator.LTE}
#: Metrics over the numeric values of the condition's field in a window.
_METRICS = {
    SigmaCorrelationType.VALUE_SUM: lambda values, _: math.fsum(values),
    SigmaCorrelationType.VALUE_AVG: lambda values, _: statistics.fmean(values),
    SigmaCorrelationType.VALUE_MEDIAN: lambda values, _: statistics.median(values),
    SigmaCorrelationType.VALUE_PERCENTILE: lambda values, p: _percentile(sorted(values), p),
}
#: Types that read the condition's field.
_FIELD_TYPES = {SigmaCorrelationType.VALUE_COUNT, *_METRICS}
_SUPPORTED = {SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.TEMPORAL, SigmaCorrelationType.TEMPORAL_ORDERED,
              *_FIELD_TYPES}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Hit:
    seconds: float
    rule: str  # the base rule's reference key
    value: object  # the condition field's value (value_count: any; metrics: a number)
    ref: EventRef


@dataclass
class _Correlation:
    rule: SigmaCorrelationRule
    order: list[str]  # base rule keys, in the rule's order
    group_fields: dict[str, list[str]]  # base rule key -> event columns of the group-by fields
    value_fields: dict[str, str | None]  # base rule key -> event column of the condition's field
    groups: dict[tuple, list[_Hit]] = field(default_factory=lambda: defaultdict(list))

    @property
    def condition(self) -> SigmaCorrelationCondition:
        return self.rule.condition  # type: ignore[return-value]


def _key(rule) -> str:
    return str(rule.id) if rule.id else str(rule.name)


class Correlator:
    """Feeds base rule matches into the correlations that reference them."""

    def __init__(self, correlations: list[SigmaCorrelationRule], rules: list[CompiledRule]):
        self.failures: list[RuleFailure] = []
        self.correlations: list[_Correlation] = []
        self._by_base: dict[str, list[_Correlation]] = defaultdict(list)
        self._pending: list[Alert] = []
        for corr in correlations:
            try:
                entry = self._prepare(corr)
            except ValueError as exc:
                self.failures.append(RuleFailure.of(corr, str(exc)))
                continue
            self.correlations.append(entry)
            for key in entry.order:
                self._by_base[key].append(entry)
        silenced = {key for c in self.correlations if not c.rule.generate for key in c.order}
        for rule in rules:
            if rule.id in silenced:
                rule.generate = False

    @staticmethod
    def _prepare(corr: SigmaCorrelationRule) -> _Correlation:
        if corr.type not in _SUPPORTED:
            raise ValueError(f"correlation type {corr.type.name.lower()} is not supported")
        if not isinstance(corr.condition, SigmaCorrelationCondition):
            raise ValueError("extended correlation conditions are not supported")
        refs = corr.rules or []
        if any(isinstance(r.rule, SigmaCorrelationRule) for r in refs):
            raise ValueError("correlations of correlations are not supported")
        order = [_key(r.rule) for r in refs]
        aliases = {a.alias: a for a in corr.aliases}

        def column(name: str, ref) -> str:
            alias = aliases.get(name)
            if alias is not None:
                for alias_ref, target in alias.mapping.items():
                    if alias_ref.reference == ref.reference:
                        return event_field(target)
                raise ValueError(f"alias {name!r} has no field for rule {ref.reference!r}")
            return event_field(name)

        group_fields = {_key(r.rule): [column(g, r) for g in corr.group_by or []] for r in refs}
        fieldref = corr.condition.fieldref
        if corr.type in _FIELD_TYPES and not isinstance(fieldref, str):
            raise ValueError(f"{corr.type.name.lower()} needs one condition field")
        percentile = corr.condition.percentile
        if corr.type == SigmaCorrelationType.VALUE_PERCENTILE and not (percentile is not None and 0 <= percentile <= 100):
            raise ValueError("value_percentile needs a condition percentile from 0 to 100")
        value_fields = {_key(r.rule): column(fieldref, r) if isinstance(fieldref, str) else None for r in refs}
        return _Correlation(corr, order, group_fields, value_fields)

    def observe(self, rule: CompiledRule, batch: pa.Table, rows: list[int], refs: list[EventRef]) -> None:
        """Matches of a base rule: file them under each correlation's group."""
        for corr in self._by_base.get(rule.id, ()):
            columns = [batch.column(c) if c in batch.column_names else None for c in corr.group_fields[rule.id]]
            value_col = corr.value_fields[rule.id]
            values = batch.column(value_col) if value_col and value_col in batch.column_names else None
            touched = set()
            for row, ref in zip(rows, refs, strict=True):
                group = tuple(None if c is None else c[row].as_py() for c in columns)
                value = None if values is None else values[row].as_py()
                if corr.rule.type in _METRICS:
                    value = _number(value)
                if corr.rule.type in _FIELD_TYPES and value is None:
                    continue
                stamp = (ref.timestamp or _EPOCH).timestamp()
                corr.groups[group].append(_Hit(stamp, rule.id, value, ref))
                touched.add(group)
            for group in touched:
                self._evaluate(corr, group, final=False)

    def flush(self) -> list[Alert]:
        alerts, self._pending = self._pending, []
        return alerts

    def finish(self) -> list[Alert]:
        for corr in self.correlations:
            for group in list(corr.groups):
                self._evaluate(corr, group, final=True)
        return self.flush()

    def _evaluate(self, corr: _Correlation, group: tuple, final: bool) -> None:
        hits = corr.groups[group]
        hits.sort(key=lambda h: h.seconds)
        span = corr.rule.timespan.seconds
        if corr.condition.op in _CLOSED_ONLY:
            while hits and (final or hits[-1].seconds - hits[0].seconds > span):
                window = [h for h in hits if h.seconds - hits[0].seconds <= span]
                if self._holds(corr, window):
                    self._fire(corr, group, window)
                del hits[:len(window)]
            return
        start = 0
        for end in range(len(hits)):
            while hits[end].seconds - hits[start].seconds > span:
                start += 1
            window = hits[start:end + 1]
            if self._holds(corr, window):
                self._fire(corr, group, window)
                del hits[:end + 1]
                self._evaluate(corr, group, final)
                return
        if hits:  # keep only what a later event can still complete
            latest = hits[-1].seconds
            hits[:] = [h for h in hits if latest - h.seconds <= span]

    @staticmethod
    def _holds(corr: _Correlation, window: list[_Hit]) -> bool:
        return _OPS[corr.condition.op](_measure(corr, window), corr.condition.count)

    def _fire(self, corr: _Correlation, group: tuple, window: list[_Hit]) -> None:
        rule = corr.rule
        names = corr.rule.group_by or []
        context = {"correlation": rule.type.name.lower(), "group": dict(zip(names, group, strict=True)),
                   "events": len(window), "timespan_seconds": rule.timespan.seconds}
        if rule.type in _METRICS:
            context[rule.type.name.lower()] = _measure(corr, window)
        self._pending.append(Alert("correlation", _key(rule), rule.title, level(rule),
                                   [h.ref for h in window], techniques(rule), context))


def _measure(corr: _Correlation, window: list[_Hit]) -> float:
    """What the condition compares for this window: a count, or the metric of the field's values."""
    kind = corr.rule.type
    if kind == SigmaCorrelationType.EVENT_COUNT:
        return len(window)
    if kind == SigmaCorrelationType.VALUE_COUNT:
        return len({str(h.value) for h in window})
    if kind == SigmaCorrelationType.TEMPORAL:
        return len({h.rule for h in window})
    if kind in _METRICS:
        return _METRICS[kind]([h.value for h in window], corr.condition.percentile)
    return _ordered_prefix(corr.order, window)


def _number(value: object) -> float | None:
    """A field value as a number for the metrics (Windows writes many numbers as text); None if it is none."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _percentile(ordered: list[float], percentile: int) -> float:
    """The ``percentile`` of sorted values, interpolating linearly between the closest ranks."""
    position = (len(ordered) - 1) * percentile / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ordered_prefix(order: list[str], window: list[_Hit]) -> int:
    """How many of the rules in ``order`` occur in that order within the window."""
    done = 0
    for hit in window:
        if done < len(order) and hit.rule == order[done]:
            done += 1
    return done
