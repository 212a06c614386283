"""Building Arrow batches of events from parsed records, and joining batches."""

from __future__ import annotations

import time

import numpy as np
import orjson
import pyarrow as pa

from .schema import ECS_FIELDS, ECS_NAMES, ECS_SCHEMA, PROVENANCE_RECORD_ID, PROVENANCE_SOURCE


def _to_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _extra_column(values: list) -> pa.Array:
    """An original (namespaced) field: kept as int, float, bool, string or a list/object of them
    (Arrow list/struct); what Arrow cannot type (mixed kinds) as JSON text."""
    first = next((v for v in values if v is not None), None)
    typ = _PY_TYPES.get(type(first)) if first is not None else pa.string()
    for attempt in (typ, None) if typ is not None else (None,):  # the first value's type, else Arrow's inference
        try:
            return pa.array(values, attempt)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed, or an int beyond 64 bits
            pass
    return _json_text(values)


_PY_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _json_text(values: list) -> pa.Array:
    return pa.array([_to_text(v) for v in values], pa.string())


def _ecs_column(values: list, typ: pa.DataType) -> pa.Array:
    """A fixed ECS field; a value that does not fit the type becomes null (its original stays in the namespace)."""
    try:
        return pa.array(values, typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([_coerce(v, typ) for v in values], typ)


def _coerce(value: object, typ: pa.DataType) -> object:
    try:
        pa.array([value], typ)
        return value
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    if pa.types.is_string(typ):
        return _to_text(value)
    if pa.types.is_integer(typ):
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            return None
        return number if -(2**63) <= number < 2**63 else None  # beyond int64: null, the original keeps it
    return None


def _column_of(values: pa.Array | pa.ChunkedArray | list, typ: pa.DataType | None) -> pa.Array | pa.ChunkedArray:
    """Python values, or an Arrow array from a columnar parser, as an ECS (``typ``) or original column."""
    if isinstance(values, list):
        return _extra_column(values) if typ is None else _ecs_column(values, typ)
    if typ is None:
        return values
    if values.type == typ:
        return values
    try:
        return values.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _ecs_column(values.to_pylist(), typ)


def events_table(columns: dict, source: str | list[str] | pa.Array | pa.ChunkedArray,
                 record_ids: list[int] | pa.Array | pa.ChunkedArray) -> pa.Table:
    """The event table: every ECS column in schema order (null where absent), then the originals sorted.

    ``columns`` maps field names to Python lists or Arrow arrays of one length; provenance (one
    source for all, or one per record) and ``event.ingested`` are filled here.
    """
    n = len(record_ids)
    now = int(time.time() * 1_000_000)
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name, typ in ECS_FIELDS:
        if name == PROVENANCE_SOURCE:
            out[name] = source if isinstance(source, pa.Array | pa.ChunkedArray) else \
                pa.array(source if isinstance(source, list) else [source] * n, pa.string())
        elif name == PROVENANCE_RECORD_ID:
            out[name] = record_ids if isinstance(record_ids, pa.Array | pa.ChunkedArray) else pa.array(record_ids, pa.int64())
        elif name == "event.ingested":
            out[name] = pa.array([now] * n, typ)
        elif name in columns:
            out[name] = _column_of(columns[name], typ)
        else:
            out[name] = pa.nulls(n, typ)
    for name in sorted(set(columns) - ECS_NAMES):
        out[name] = _column_of(columns[name], None)
    return pa.table(out)


class Columns:
    """Records gathered for a columnar table. Records are grouped by their field names (events of one
    kind share them), so adding one costs a few C-level steps whatever its width; ``lists`` then
    lays each group's values into full-length columns, null where a record lacks the field."""

    def __init__(self) -> None:
        self.rows = 0
        self._groups: dict[tuple, tuple[list[int], list[tuple]]] = {}

    def add(self, fields: dict) -> None:
        key = tuple(fields)
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = group = ([], [])
        group[0].append(self.rows)
        group[1].append(tuple(fields.values()))
        self.rows += 1

    def groups(self) -> list[tuple[list[int], dict[str, list]]]:
        """The records by field names: (their positions, their columns) per group."""
        return [(rows, dict(zip(key, map(list, zip(*values, strict=True)), strict=True)))
                for key, (rows, values) in self._groups.items()]

    def lists(self) -> dict[str, list]:
        """Every field as a list of ``rows`` values, in the order the records were added."""
        n = self.rows
        cols: dict[str, list] = {}
        for rows, columns in self.groups():
            for name, column in columns.items():
                if len(rows) == n:
                    cols[name] = column
                    continue
                col = cols.get(name)
                if col is None:
                    cols[name] = col = [None] * n
                for i, value in zip(rows, column, strict=True):
                    col[i] = value
        return cols

    def table(self) -> pa.Table:
        """The records as an Arrow table of their own fields (no ECS, no provenance)."""
        return pa.table({name: _extra_column(col) for name, col in self.lists().items()})


class BatchBuilder:
    """Collects parsed records (ECS and original fields, with their source) and turns them into event tables."""

    def __init__(self, batch_size: int = 50_000):
        self.batch_size = batch_size
        self._sources: list[str] = []
        self._ids: list[int] = []
        self._columns = Columns()

    def add(self, source: str, record_id: int, fields: dict) -> None:
        self._columns.add(fields)
        self._sources.append(source)
        self._ids.append(record_id)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def full(self) -> bool:
        return len(self._ids) >= self.batch_size

    def flush(self) -> pa.Table | None:
        """Return the collected records as one table (or None when empty) and start afresh."""
        if not self._ids:
            return None
        sources, ids = pa.array(self._sources, pa.string()), pa.array(self._ids, pa.int64())
        groups = self._columns.groups()
        self._sources, self._ids, self._columns = [], [], Columns()
        if len(groups) == 1:
            return events_table(groups[0][1], sources, ids)
        parts, order = [], []
        for rows, columns in groups:
            positions = pa.array(rows, pa.int64())
            parts.append(events_table(columns, sources.take(positions), ids.take(positions)))
            order.extend(rows)
        return stack(parts).take(np.argsort(order, kind="stable"))


def unified_type(seen: set[pa.DataType]) -> pa.DataType:
    """The type of a column whose batches hold ``seen`` types: null gives way to any, int to float,
    anything else mixed becomes text."""
    if len(seen) > 1:
        seen = seen - {pa.null()}
    if len(seen) == 1:
        return next(iter(seen))
    if seen <= {pa.int64(), pa.float64()}:
        return pa.float64()
    return pa.string()


def _column_order(names: set[str]) -> list[str]:
    """ECS fields first in schema order, then the originals sorted."""
    return [n for n in ECS_SCHEMA.names if n in names] + sorted(names - ECS_NAMES)


def stack(tables: list[pa.Table]) -> pa.Table:
    """Tables one after the other as one table with the columns and types that ``concat`` gives
    them (null where a table lacks a field), each column copied once: a field that only a few of
    many tables have costs its values and the nulls between them, not a null array per table."""
    by_name: dict[str, list[tuple[int, pa.DataType, pa.ChunkedArray]]] = {}
    n = 0
    for table in tables:
        schema = table.schema  # its types are cheaper to take than each column's
        for i, (name, typ) in enumerate(zip(schema.names, schema.types, strict=True)):
            by_name.setdefault(name, []).append((n, typ, table.column(i)))
        n += table.num_rows
    columns = {}
    for name in _column_order(set(by_name)):
        present = by_name[name]
        typ = unified_type({t for _, t, _ in present})
        pieces, end = [], 0
        for start, t, col in present:
            if t == pa.null() != typ:
                continue  # all nulls, as the gap that stands for it
            if start > end:
                pieces.append(pa.nulls(start - end, typ))
            col = col if t == typ else _cast(col, typ)
            pieces.extend(col.chunks if isinstance(col, pa.ChunkedArray) else [col])
            end = start + len(col)
        if end < n:
            pieces.append(pa.nulls(n - end, typ))
        columns[name] = pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
    return pa.table(columns)


def unify_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """One schema for batches of possibly different original fields: ECS first, then the originals;
    a column whose type differs between batches is widened (null to any, int to float) or else becomes text."""
    types: dict[str, set[pa.DataType]] = {}
    for schema in schemas:
        for field in schema:
            types.setdefault(field.name, set()).add(field.type)
    target = {name: unified_type(seen) for name, seen in types.items()}
    order = list(ECS_SCHEMA.names) + sorted(set(target) - ECS_NAMES)
    return pa.schema([pa.field(n, target.get(n, ECS_SCHEMA.field(n).type if n in ECS_NAMES else pa.string()))
                      for n in order])


def _cast(col: pa.ChunkedArray, typ: pa.DataType) -> pa.ChunkedArray | pa.Array:
    if pa.types.is_string(typ) and pa.types.is_nested(col.type):
        return _json_text(col.to_pylist())
    return col.cast(typ)


def align(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with exactly ``schema``'s columns: missing ones null, others cast (nested ones to JSON text)."""
    have = dict(zip(table.column_names, table.columns, strict=True))
    cols = []
    for field in schema:
        col = have.get(field.name)
        if col is None:
            cols.append(pa.nulls(table.num_rows, field.type))
        else:
            cols.append(col if col.type == field.type else _cast(col, field.type))
    return pa.Table.from_arrays(cols, schema=schema)


def concat(tables: list[pa.Table]) -> pa.Table:
    """Join batches of possibly different original fields into one table (ECS first, originals sorted)."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return ECS_SCHEMA.empty_table()
    schema = unify_schema([t.schema for t in tables])
    target = dict(zip(schema.names, schema.types, strict=True))
    typed = []
    for table in tables:
        wrong = [i for i, field in enumerate(table.schema) if field.type != target[field.name]]
        for i in wrong:
            table = table.set_column(i, table.field(i).name, _cast(table.column(i), target[table.field(i).name]))
        typed.append(table)
    # Arrow fills the columns a batch lacks with nulls.
    return pa.concat_tables(typed, promote_options="default").select(schema.names)
