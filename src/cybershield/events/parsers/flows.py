"""Flow exports as CSV: CICFlowMeter (``cicflowmeter``) and nProbe NetFlow v2 (``netflow-v2``).

The first line is the header; the same header line met again later (concatenated exports) is skipped.
Every original column is kept under ``cicflowmeter.<column>`` / ``netflow.<COLUMN>`` with numbers
as numbers (so label columns such as ``Label`` and ``Attack`` stay available); the usual ECS flow
fields are filled from them. A row with the wrong number of fields, a value that is not a number
in a numeric column, an unreadable timestamp or bad UTF-8 is quarantined with its reason.

Numeric columns are every column not named in the format's text columns. An empty cell is null;
``Infinity`` and ``NaN`` (CICFlowMeter writes them for zero-length flows) are kept as floats, and
so is an integer beyond 64 bits. Naive CICFlowMeter timestamps are taken as UTC.

Blocks of lines are read by ``pyarrow.csv`` at once; a block that does not read cleanly (a short
row, text in a numeric column, a repeated header) goes line by line, which finds the bad rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..quarantine import QuarantineEntry
from .base import RecordError, iso_to_us
from .columnar import Block, ColumnarLineParser, constant, originals_and_ecs, timestamps

#: IANA protocol number -> ECS ``network.transport``.
TRANSPORT = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre", 50: "esp", 51: "ah",
             58: "ipv6-icmp", 132: "sctp"}
_PROTOCOLS = pa.array(list(TRANSPORT), pa.float64())
_TRANSPORTS = pa.array(list(TRANSPORT.values()), pa.string())
_INT64 = 2**63
# A joined run of numeric cells that orjson may parse in one go holds only these characters.
_NOT_FAST = re.compile(r"[^-0-9.eE+,]")
_CIC_TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p")


def _number(column: str, raw: str) -> int | float | None:
    """One numeric cell the slow way (empty, Infinity, NaN, big or odd values)."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise RecordError("bad-number", f"column {column!r}: {raw[:40]!r} is not a number") from None
    return value if -_INT64 <= value < _INT64 else float(value)


def _unique(names: list[str]) -> list[str]:
    """Header names, stripped; a repeated name gets ``.1``, ``.2`` (CIC-IDS2017 repeats one column)."""
    seen: dict[str, int] = {}
    out = []
    for name in (n.strip() for n in names):
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(f"{name}.{count}" if count else name)
    return out


def transport(protocol: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray:
    """IANA protocol numbers to ECS transport names (null where unknown)."""
    index = pc.index_in(protocol.cast(pa.float64()), value_set=_PROTOCOLS)
    return pc.take(_TRANSPORTS, index)


class FlowCsvParser(ColumnarLineParser):
    """A CSV flow export with a header line; subclasses name their columns and ECS mapping."""

    namespace = ""
    dataset = ""
    #: Columns holding text; every other column must be numeric.
    text_columns: frozenset[str] = frozenset()
    #: Original column -> ECS field, copied as is.
    ecs_copy: dict[str, str] = {}
    #: Column holding the IANA protocol number.
    protocol_column = ""

    def __init__(self) -> None:
        self.columns: list[str] | None = None
        self._header = ""

    def records(self, path: Path, source: str) -> Iterator[Block | QuarantineEntry]:
        self.columns = None
        return super().records(path, source)

    def _block(self, ids: list[int], lines: list[bytes], source: str) -> Iterator[Block | QuarantineEntry]:
        if self.columns is None and lines:  # the header opens the first block: read it first
            header = self.parse_or_quarantine(lines[0], ids[0], source)
            if isinstance(header, QuarantineEntry):
                yield header
            ids, lines = ids[1:], lines[1:]
        yield from super()._block(ids, lines, source)

    def _set_header(self, text: str, fields: list[str]) -> None:
        self._header = text
        self.columns = _unique(fields)
        numeric = [i for i, c in enumerate(self.columns) if c not in self.text_columns]
        text_index = [i for i, c in enumerate(self.columns) if c in self.text_columns]
        self._numeric_names = [self.columns[i] for i in numeric]
        self._text_names = [self.columns[i] for i in text_index]
        self._pick_numeric = itemgetter(*numeric) if len(numeric) > 1 else (lambda v: tuple(v[i] for i in numeric))
        self._pick_text = itemgetter(*text_index) if len(text_index) > 1 else (lambda v: tuple(v[i] for i in text_index))

    def decode_block(self, lines: list[bytes]) -> pa.Table | None:
        if self.columns is None or self._header.encode() in lines:
            return None
        options = pa_csv.ReadOptions(column_names=self.columns, block_size=max(1 << 20, 2 * max(map(len, lines))))
        convert = pa_csv.ConvertOptions(column_types={c: pa.string() for c in self._text_names},
                                        null_values=[""], strings_can_be_null=True)
        try:
            table = pa_csv.read_csv(io.BytesIO(b"\n".join(lines)), read_options=options, convert_options=convert)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        for name in self._numeric_names:
            typ = table.schema.field(name).type
            if not (pa.types.is_int64(typ) or pa.types.is_float64(typ) or pa.types.is_null(typ)):
                return None  # text where a number belongs: line by line finds the row
        return table if table.num_rows == len(lines) else None

    def parse_line(self, line: bytes) -> dict | None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError("invalid-utf8", f"not valid UTF-8 at byte {exc.start}") from None
        if '"' in text:
            try:
                values = next(csv.reader([text], strict=True))
            except csv.Error as exc:
                raise RecordError("malformed-csv", f"CSV: {exc}") from None
        else:
            values = text.split(",")
        if self.columns is None:
            self._set_header(text, values)
            return None
        if text == self._header:
            return None
        if len(values) != len(self.columns):
            raise RecordError("bad-field-count", f"{len(values)} fields where the header names {len(self.columns)}")
        cells = self._pick_numeric(values)
        joined = ",".join(cells)
        numbers = None
        if _NOT_FAST.search(joined) is None:
            try:
                numbers = orjson.loads(f"[{joined}]")
            except orjson.JSONDecodeError:
                numbers = None
        # orjson accepts integers up to 2**64, Arrow's int64 does not: those take the careful way
        if numbers is None or (numbers and max(numbers) >= _INT64):
            numbers = [_number(c, raw) for c, raw in zip(self._numeric_names, cells, strict=True)]
        fields = dict(zip(self._numeric_names, numbers))  # noqa: B905 - lengths checked above
        fields.update(zip(self._text_names, [t or None for t in self._pick_text(values)]))  # noqa: B905
        self.check(fields)
        return fields

    def check(self, fields: dict) -> None:
        """Raise ``RecordError`` for a row the format cannot use (beyond its numbers)."""

    def normalise(self, raw: pa.Table, n: int) -> Iterator[tuple[dict, pa.Array | None]]:
        columns: dict = {"event.module": constant(self.dataset, n), "event.dataset": constant(self.dataset, n),
                         "event.kind": constant("event", n), "event.category": constant("network", n)}
        columns.update(originals_and_ecs(raw, self.namespace, self.ecs_copy))
        if self.protocol_column in raw.column_names:
            columns["network.transport"] = transport(raw.column(self.protocol_column))
        self.map_extra(raw, columns)
        yield columns, None

    def map_extra(self, raw: pa.Table, columns: dict) -> None:
        """Format-specific ECS fields (time, duration)."""


def _duration_ns(raw: pa.Table, column: str, factor: int) -> pa.ChunkedArray | None:
    """A whole-number duration column in ns; null where a value is not whole (Infinity, NaN) or would overflow."""
    if column not in raw.column_names:
        return None
    col = raw.column(column)
    if pa.types.is_floating(col.type):
        whole = pc.and_(pc.is_finite(col), pc.equal(pc.floor(col), col))
        whole = pc.and_(whole, pc.less_equal(pc.abs(col), 2.0**62))
        col = pc.if_else(whole, col, pa.scalar(None, col.type)).cast(pa.int64())
    elif not pa.types.is_integer(col.type):
        return None
    fits = pc.less_equal(pc.abs(col), (2**63 - 1) // factor)
    return pc.if_else(fits, pc.multiply(pc.if_else(fits, col, 0), factor), pa.scalar(None, pa.int64()))


class CicFlowMeterParser(FlowCsvParser):
    """CICFlowMeter CSV (CIC-IDS2017/2018 and the improved releases): ``Flow Duration`` is in µs."""

    name = "cicflowmeter"
    namespace = "cicflowmeter"
    dataset = "cicflowmeter"
    text_columns = frozenset({"Flow ID", "Src IP", "Dst IP", "Source IP", "Destination IP", "Timestamp", "Label"})
    ecs_copy = {
        "Src IP": "source.ip", "Source IP": "source.ip", "Src Port": "source.port", "Source Port": "source.port",
        "Dst IP": "destination.ip", "Destination IP": "destination.ip", "Dst Port": "destination.port",
        "Destination Port": "destination.port",
        "Total Fwd Packet": "source.packets", "Total Fwd Packets": "source.packets",
        "Total Bwd packets": "destination.packets", "Total Backward Packets": "destination.packets",
        "Total Length of Fwd Packet": "source.bytes", "Total Length of Fwd Packets": "source.bytes",
        "Total Length of Bwd Packet": "destination.bytes", "Total Length of Bwd Packets": "destination.bytes",
    }
    protocol_column = "Protocol"

    def check(self, fields: dict) -> None:
        if fields.get("Timestamp") is not None:
            _cic_time(fields["Timestamp"])

    def map_extra(self, raw: pa.Table, columns: dict) -> None:
        duration = _duration_ns(raw, "Flow Duration", 1000)
        if duration is not None:
            columns["event.duration"] = duration
        if "Timestamp" in raw.column_names:
            stamps = raw.column("Timestamp")
            parsed = timestamps(stamps)
            if parsed.null_count > stamps.null_count:  # not ISO 8601: the original day-first form
                try:
                    parsed = pa.array([None if v is None else _cic_time(v) for v in stamps.to_pylist()],
                                      pa.int64()).cast(pa.timestamp("us", tz="UTC"))
                except RecordError as exc:
                    raise pa.ArrowInvalid(exc.detail) from None  # the block goes line by line
            columns["@timestamp"] = parsed


def _cic_time(text: str) -> int:
    """``2017-07-03 11:57:51.590705`` (improved releases) or ``3/7/2017 8:55`` (day first, original)."""
    try:
        return iso_to_us(text)
    except ValueError:
        pass
    for fmt in _CIC_TIME_FORMATS:
        try:
            dt = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(dt.timestamp()) * 1_000_000 + dt.microsecond
    raise RecordError("bad-timestamp", f"Timestamp {text[:40]!r} is not a known date format")


class NetFlowV2Parser(FlowCsvParser):
    """nProbe NetFlow v2 CSV (the NF-*-v2 data sets): IN_* is source to destination; no flow start time."""

    name = "netflow-v2"
    namespace = "netflow"
    dataset = "netflow"
    text_columns = frozenset({"IPV4_SRC_ADDR", "IPV4_DST_ADDR", "IPV6_SRC_ADDR", "IPV6_DST_ADDR", "Attack",
                              "Dataset"})
    ecs_copy = {
        "IPV4_SRC_ADDR": "source.ip", "L4_SRC_PORT": "source.port", "IPV4_DST_ADDR": "destination.ip",
        "L4_DST_PORT": "destination.port", "IN_BYTES": "source.bytes", "OUT_BYTES": "destination.bytes",
        "IN_PKTS": "source.packets", "OUT_PKTS": "destination.packets",
    }
    protocol_column = "PROTOCOL"

    def map_extra(self, raw: pa.Table, columns: dict) -> None:
        duration = _duration_ns(raw, "FLOW_DURATION_MILLISECONDS", 1_000_000)
        if duration is not None:
            columns["event.duration"] = duration
