"""Building Arrow batches of events from parsed records, and joining batches."""

from __future__ import annotations

import time

import orjson
import pyarrow as pa

from .schema import ECS_FIELDS, ECS_NAMES, ECS_SCHEMA, PROVENANCE_RECORD_ID, PROVENANCE_SOURCE

_SCALAR_TYPES = (pa.int64(), pa.float64(), pa.bool_(), pa.string())
_FILLED_BY_BUILDER = {PROVENANCE_SOURCE, PROVENANCE_RECORD_ID, "event.ingested"}


def _to_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _extra_column(values: list) -> pa.Array:
    """An original (namespaced) field: kept as int, float, bool or string; anything else as JSON text."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        arr = None
    if arr is not None and arr.type in _SCALAR_TYPES:
        return arr
    if arr is not None and pa.types.is_null(arr.type):
        return pa.nulls(len(values), pa.string())
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
            return int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            return None
    return None


class BatchBuilder:
    """Collects parsed records of one source and turns them into Arrow tables."""

    def __init__(self, source: str, batch_size: int = 50_000):
        self.source = source
        self.batch_size = batch_size
        self._ids: list[int] = []
        self._rows: list[dict] = []

    def add(self, record_id: int, fields: dict) -> None:
        self._ids.append(record_id)
        self._rows.append(fields)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def full(self) -> bool:
        return len(self._rows) >= self.batch_size

    def flush(self) -> pa.Table | None:
        """Return the collected records as one table (or None when empty) and start afresh."""
        rows, ids = self._rows, self._ids
        if not rows:
            return None
        self._rows, self._ids = [], []
        n = len(rows)
        now = int(time.time() * 1_000_000)
        columns: dict[str, pa.Array] = {}
        for name, typ in ECS_FIELDS:
            if name == PROVENANCE_SOURCE:
                columns[name] = pa.array([self.source] * n, pa.string())
            elif name == PROVENANCE_RECORD_ID:
                columns[name] = pa.array(ids, pa.int64())
            elif name == "event.ingested":
                columns[name] = pa.array([now] * n, typ)
            else:
                columns[name] = _ecs_column([r.get(name) for r in rows], typ)
        extra_names: set[str] = set()
        for r in rows:
            extra_names.update(r.keys())
        extra_names -= ECS_NAMES
        for name in sorted(extra_names):
            columns[name] = _extra_column([r.get(name) for r in rows])
        return pa.table(columns)


def unify_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """One schema for batches of possibly different original fields: ECS first, then the originals;
    a column whose type differs between batches is widened (int to float) or else becomes text."""
    types: dict[str, set[pa.DataType]] = {}
    for schema in schemas:
        for field in schema:
            types.setdefault(field.name, set()).add(field.type)
    target: dict[str, pa.DataType] = {}
    for name, seen in types.items():
        if len(seen) == 1:
            target[name] = next(iter(seen))
        elif seen <= {pa.int64(), pa.float64()}:
            target[name] = pa.float64()
        else:
            target[name] = pa.string()
    order = list(ECS_SCHEMA.names) + sorted(set(target) - ECS_NAMES)
    return pa.schema([pa.field(n, target.get(n, ECS_SCHEMA.field(n).type if n in ECS_NAMES else pa.string()))
                      for n in order])


def align(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with exactly ``schema``'s columns: missing ones null, others cast."""
    cols = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            cols.append(col if col.type == field.type else col.cast(field.type))
        else:
            cols.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(cols, schema=schema)


def concat(tables: list[pa.Table]) -> pa.Table:
    """Join batches of possibly different original fields into one table."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return ECS_SCHEMA.empty_table()
    schema = unify_schema([t.schema for t in tables])
    return pa.concat_tables([align(t, schema) for t in tables])
