"""Windows events column-wise: decoded records of one shape (flat NXLog/Sysmon, winlogbeat,
evtx_dump) turned into the event columns that ``windows.windows_event`` makes of each record.

The same rules as the record path (first truthy of the name variants, the first event time that
parses, the ECS fields derived from the payload), column-wise; what only a per-value rule can
decide (hex process ids, ``DOMAIN\\user``, Sysmon hashes, time texts Arrow does not parse) is
decided once per distinct value. A column operation that cannot take a block raises (TypeError or
an Arrow error), and the caller reads that block record by record.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from ..batch import unified_type
from .columnar import TIMESTAMP_US
from .windows import (
    EVENT_DATA_ECS,
    HASH_ECS,
    INT_ECS,
    TIME_FIELDS,
    event_time,
    parse_hashes,
    split_user,
    windows_int,
)

DATA = "winlog.event_data."
#: Top-level fields that make records no flat ones, and of which kind.
_OTHER_SHAPES = {"Event": pa.types.is_struct, "winlog": pa.types.is_struct, "EventData": pa.types.is_string}


def _is_text(col) -> bool:
    return pa.types.is_string(col.type) or pa.types.is_null(col.type)


def _per_distinct(col, fn: Callable[[object], object], typ: pa.DataType) -> pa.Array:
    """``fn`` applied once per distinct value of ``col`` (logs repeat values), as a ``typ`` array."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    encoded = pc.dictionary_encode(col)
    values = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], typ)
    return values.take(encoded.indices)


def _truthy(columns: dict, names: tuple[str, ...], n: int):
    """``windows._truthy`` column-wise: per row the first of the ``names`` columns with a truthy
    value, else the last name's value; None when no column is there. Raises TypeError when the
    columns are of different kinds."""
    present = [columns[name] for name in names if name in columns]
    if not present:
        return None
    typed = [c.type for c in present if not pa.types.is_null(c.type)]
    typ = typed[0] if typed else pa.string()
    if any(t != typ for t in typed):
        raise TypeError("name variants of different kinds")
    last = columns.get(names[-1])
    result = last.cast(typ) if last is not None else pa.nulls(n, typ)
    for name in reversed(names[:-1]):
        if name not in columns:
            continue
        col = columns[name].cast(typ)
        if pa.types.is_string(typ):
            truth = pc.not_equal(col, "")
        elif pa.types.is_integer(typ) or pa.types.is_floating(typ):
            truth = pc.not_equal(col, 0)
        elif pa.types.is_boolean(typ):
            truth = col
        else:
            raise TypeError(f"name variant of kind {typ}")
        result = pc.if_else(pc.fill_null(truth, False), col, result)
    return result


def _as_int(col) -> pa.Array | pa.ChunkedArray:
    """``base.to_int`` column-wise: integers as they are, text parsed; raises TypeError otherwise."""
    if pa.types.is_integer(col.type):
        return col.cast(pa.int64())
    if pa.types.is_null(col.type):
        return pa.nulls(len(col), pa.int64())
    if pa.types.is_string(col.type):
        return col.cast(pa.int64())  # ArrowInvalid for text that is no integer: the block goes record by record
    raise TypeError(f"integer field of kind {col.type}")


def _naive_utc(col) -> pa.Array | pa.ChunkedArray:
    """ISO 8601 texts without an offset, as UTC."""
    return pc.assume_timezone(col.cast(pa.timestamp("us")), "UTC").cast(TIMESTAMP_US)


def _with_offset(col) -> pa.Array | pa.ChunkedArray:
    """ISO 8601 texts with an offset (or ``Z``)."""
    return col.cast(TIMESTAMP_US)


def _event_times(col) -> pa.Array | pa.ChunkedArray:
    """``windows.event_time`` of a text column: ISO 8601 (naive meaning UTC) column-wise, other texts
    per value. No text casts both without an offset and with one, so only the cast that takes the
    column's first text is tried (a cast that fails costs tens of times one that succeeds)."""
    try:
        _naive_utc(col.drop_null()[:1])
        cast = _naive_utc
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        cast = _with_offset
    try:
        return cast(col)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _per_distinct(col, event_time, pa.int64()).cast(TIMESTAMP_US)


def _times(data: dict, n: int) -> pa.Array | pa.ChunkedArray:
    """``windows.first_time`` column-wise: per row the first time field that parses."""
    found = [_event_times(data[name]) for name in TIME_FIELDS
             if name in data and pa.types.is_string(data[name].type)]
    if not found:
        return pa.nulls(n, TIMESTAMP_US)
    return found[0] if len(found) == 1 else pc.coalesce(*found)


def _ecs_value(col, ecs: str):
    """A payload column as the ECS field derives it: null for ``""`` and ``-``, integers via ``windows_int``."""
    if ecs in INT_ECS:
        if pa.types.is_integer(col.type):
            return col.cast(pa.int64())
        return _per_distinct(col, lambda v: None if v in (None, "", "-") else windows_int(v), pa.int64())
    col = col if pa.types.is_string(col.type) else col.cast(pa.string())
    return pc.if_else(pc.is_in(col, pa.array(["", "-"])), pa.scalar(None, pa.string()), col)


def _derive_ecs(data: dict, channel, n: int) -> dict:
    """``windows.derive_ecs`` column-wise."""
    out: dict = {}
    candidates: dict[str, list] = {}
    for name, ecs in EVENT_DATA_ECS.items():
        if name in data:
            candidates.setdefault(ecs, []).append(_ecs_value(data[name], ecs))
    for ecs, cols in candidates.items():
        out[ecs] = cols[0] if len(cols) == 1 else pc.coalesce(*cols)
    user = _truthy(data, ("User", "TargetUserName", "SubjectUserName"), n)
    if user is not None and pa.types.is_string(user.type):
        parts = _per_distinct(user, lambda v: dict(zip(("name", "domain"), split_user(v), strict=True)),
                              pa.struct([("name", pa.string()), ("domain", pa.string())]))
        out["user.name"], out["user.domain"] = parts.field("name"), parts.field("domain")
    hashes = _truthy(data, ("Hashes", "Hash"), n)
    if hashes is not None and pa.types.is_string(hashes.type):
        names = sorted(HASH_ECS.values())
        parsed = _per_distinct(hashes, parse_hashes, pa.struct([(n, pa.string()) for n in names]))
        out.update({n: parsed.field(n) for n in names if parsed.field(n).null_count < len(parsed)})
    sysmon = pc.fill_null(pc.match_substring(channel, "Sysmon"), False) if channel is not None else None
    out["event.module"] = pc.if_else(sysmon, "sysmon", "windows") if sysmon is not None \
        else pa.repeat(pa.scalar("windows"), n)
    return out


def beyond_int64(raw: pa.Table) -> bool:
    """Whether Arrow made a number of 64 bits and more a float (the record path keeps its digits)."""
    floats = [raw.column(i) for i, typ in enumerate(raw.schema.types) if pa.types.is_floating(typ)]
    return any(col.null_count < len(col) and pc.max(pc.abs(col)).as_py() >= 2.0**63 for col in floats)


def _with_spaceless_names(data: dict) -> dict:
    """``windows.with_spaceless_names`` column-wise: a name with spaces also without them, where
    the event has no value under that name."""
    for name in [k for k in data if " " in k]:
        alias = name.replace(" ", "")
        data[alias] = pc.coalesce(data[alias], data[name]) if alias in data and data[alias].type == data[name].type \
            else data.get(alias, data[name])
    return data


def _is_flat(raw: pa.Table) -> bool:
    """Whether decoded records are flat Windows events (a record without EventID is no Windows
    event: the record path says so, per record)."""
    schema = raw.schema  # cheap, where a table's column_names build every field
    names = schema.names
    return "EventID" in names and not raw.column("EventID").null_count and not any(
        name in names and kind(schema.field(name).type) for name, kind in _OTHER_SHAPES.items())


def flat_columns(raw: pa.Table) -> dict | None:
    """The event columns of a block of flat records, or None when the block is another shape."""
    if not _is_flat(raw):
        return None
    data = _with_spaceless_names({name: raw.column(name) for name in raw.column_names
                                  if not pa.types.is_nested(raw.column(name).type)})
    n = raw.num_rows
    event_id = _as_int(raw.column("EventID"))
    channel = _truthy(data, ("Channel", "EventLog"), n)
    if channel is not None and not _is_text(channel):
        return None
    computer = _truthy(data, ("Computer", "Hostname"), n)
    record_id = _truthy(data, ("EventRecordID", "RecordNumber"), n)
    columns: dict = {f"{DATA}{name}": col for name, col in data.items()}
    columns.update({
        "event.code": event_id.cast(pa.string()),
        "winlog.event_id": event_id,
        "winlog.channel": channel if channel is not None else pa.nulls(n, pa.string()),
        "winlog.provider_name": _truthy(data, ("Provider_Name", "SourceName", "Source"), n),
        "winlog.computer_name": computer,
        "host.name": computer,
        "winlog.record_id": None if record_id is None else _as_int(record_id),
        "@timestamp": _times(data, n),
        "event.kind": pa.repeat(pa.scalar("event"), n),
    })
    columns = {k: v for k, v in columns.items() if v is not None}
    columns.update(_derive_ecs(data, channel, n))
    return columns


def _is_winlogbeat(raw: pa.Table) -> bool:
    """Whether decoded records are all winlogbeat documents (a ``winlog`` object, no ``Event``)."""
    schema = raw.schema
    names = schema.names
    return "winlog" in names and pa.types.is_struct(schema.field("winlog").type) \
        and not raw.column("winlog").null_count and not ("Event" in names and pa.types.is_struct(schema.field("Event").type))


#: ECS fields that ``windows.derive_ecs`` sets whatever the document had (the others only where it had none).
_DERIVED_OVER = {"user.name", "user.domain", "event.module", *HASH_ECS.values()}


def winlogbeat_columns(raw: pa.Table) -> dict:
    """The event columns of winlogbeat documents (``raw`` flattened to dotted names), as
    ``windows.from_flat_json`` makes them: every field kept, the event data also under its
    space-less names, the event id an integer, the ECS fields derived from the event data."""
    n = raw.num_rows
    columns = dict(zip(raw.column_names, raw.columns, strict=True))
    data = _with_spaceless_names({name[len(DATA):]: col for name, col in columns.items() if name.startswith(DATA)})
    columns.update({f"{DATA}{name}": col for name, col in data.items()})
    if "winlog.event_id" in columns:
        event_id = columns["winlog.event_id"] = _as_int(columns["winlog.event_id"])
        code = event_id.cast(pa.string())
        columns["event.code"] = pc.coalesce(columns["event.code"].cast(pa.string()), code) if "event.code" in columns \
            else code
    if "@timestamp" in columns and pa.types.is_string(columns["@timestamp"].type):
        columns["@timestamp"] = _event_times(columns["@timestamp"])
    kind = pa.repeat(pa.scalar("event"), n)
    columns["event.kind"] = pc.coalesce(columns["event.kind"], kind) if "event.kind" in columns else kind
    channel = columns.get("winlog.channel")
    if channel is not None and not _is_text(channel):
        raise TypeError("winlog.channel is no text")
    for ecs, col in _derive_ecs(data, channel, n).items():
        have = columns.get(ecs)
        columns[ecs] = col if have is None or ecs == "event.module" else \
            pc.coalesce(col, have) if ecs in _DERIVED_OVER else pc.coalesce(have, col)
    return columns


def _is_evtx_dump(raw: pa.Table) -> bool:
    """Whether decoded records are all evtx_dump records (``Event`` with ``System``) that the columns
    can take as they are: no ``UserData``, and event data of named values (no lists, no nesting)."""
    if "Event" not in raw.schema.names or raw.column("Event").null_count:
        return False
    event = raw.schema.field("Event").type
    if not pa.types.is_struct(event) or event.get_field_index("UserData") >= 0 or event.get_field_index("System") < 0:
        return False
    system = event.field("System").type
    if not pa.types.is_struct(system) or pc.struct_field(raw.column("Event"), "System").null_count:
        return False
    if any(pa.types.is_struct(f.type) and {g.name for g in f.type} - {"#attributes", "#text"} for f in system):
        return False  # attributes as other converters write them (xmltodict's @Name): the record path reads those
    index = event.get_field_index("EventData")
    data = event.field(index).type if index >= 0 else pa.null()
    if pa.types.is_struct(data):
        return not any(pa.types.is_nested(f.type) for f in data if f.name != "#attributes")
    return pa.types.is_null(data) or pa.types.is_string(data)


_SYSTEM = "Event.System."
_EVENT_DATA = "Event.EventData"


def _element(columns: dict, name: str):
    """An element's value column-wise, as ``windows._text`` reads it (``{"#text": …}`` or the value
    itself; a name of two kinds becomes text); None when no record has it."""
    found = [columns[key] for key in (name, f"{name}.#text") if key in columns]
    if len(found) < 2:
        return found[0] if found else None
    typ = unified_type({col.type for col in found})
    return pc.coalesce(*(col if col.type == typ else col.cast(typ) for col in found))


def evtx_columns(raw: pa.Table) -> dict:
    """The event columns of evtx_dump records (``raw`` flattened to dotted names), as
    ``windows.from_evtx_xml_json`` makes them."""
    n = raw.num_rows
    columns = dict(zip(raw.column_names, raw.columns, strict=True))
    data = _with_spaceless_names({name[len(_EVENT_DATA) + 1:]: col for name, col in columns.items()
                                  if name.startswith(f"{_EVENT_DATA}.") and not name.startswith(f"{_EVENT_DATA}.#attributes")})
    if _EVENT_DATA in columns and pa.types.is_string(columns[_EVENT_DATA].type):  # <EventData>text</EventData>
        data["Data"] = _element({"Data": data["Data"], "Data.#text": columns[_EVENT_DATA]} if "Data" in data
                                else {"Data": columns[_EVENT_DATA]}, "Data")
    event_id = _element(columns, f"{_SYSTEM}EventID")
    event_id = pa.nulls(n, pa.int64()) if event_id is None else _as_int(event_id)
    channel = columns.get(f"{_SYSTEM}Channel")
    if channel is not None and not _is_text(channel):
        raise TypeError("Channel is no text")
    computer = columns.get(f"{_SYSTEM}Computer", pa.nulls(n, pa.string()))
    record_id = columns.get(f"{_SYSTEM}EventRecordID")
    out: dict = {f"{DATA}{name}": col for name, col in data.items()}
    out.update({
        "event.kind": pa.repeat(pa.scalar("event"), n),
        "event.code": event_id.cast(pa.string()),
        "winlog.event_id": event_id,
        "winlog.channel": channel if channel is not None else pa.nulls(n, pa.string()),
        "winlog.provider_name": columns.get(f"{_SYSTEM}Provider.#attributes.Name", pa.nulls(n, pa.string())),
        "winlog.computer_name": computer,
        "host.name": computer,
        "winlog.record_id": pa.nulls(n, pa.int64()) if record_id is None else _as_int(record_id),
    })
    stamp = columns.get(f"{_SYSTEM}TimeCreated.#attributes.SystemTime")
    if stamp is not None and pa.types.is_string(stamp.type):
        out["@timestamp"] = stamp.cast(TIMESTAMP_US)  # ArrowInvalid where iso_to_us would fail: the record path says so
    for key in ("Level", "Task", "Opcode", "Keywords", "Version"):
        value = _element(columns, f"{_SYSTEM}{key}")
        if value is not None:
            out[f"winlog.{key.lower()}"] = value
    for key, name in (("Execution.#attributes.ProcessID", "winlog.process.pid"),
                      ("Execution.#attributes.ThreadID", "winlog.process.thread.id"),
                      ("Security.#attributes.UserID", "winlog.user.identifier")):
        if f"{_SYSTEM}{key}" in columns:
            out[name] = columns[f"{_SYSTEM}{key}"]
    out.update(_derive_ecs(data, channel, n))
    return out


#: What each shape of decoded records becomes: (whether records are of it, their event columns).
SHAPES = {"flat": (_is_flat, flat_columns), "winlogbeat": (_is_winlogbeat, winlogbeat_columns),
           "evtx_dump": (_is_evtx_dump, evtx_columns)}
