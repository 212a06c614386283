"""Flow exports as CSV: CICFlowMeter (``cicflowmeter``) and nProbe NetFlow v2 (``netflow-v2``).

The first line is the header; the same header line met again later (concatenated exports) is skipped.
Every original column is kept under ``cicflowmeter.<column>`` / ``netflow.<COLUMN>`` with numbers
as numbers (so label columns such as ``Label`` and ``Attack`` stay available); the usual ECS flow
fields are filled from them. A row with the wrong number of fields, a value that is not a number
in a numeric column, an unreadable timestamp or bad UTF-8 is quarantined with its reason.

Numeric columns are every column not named in the format's text columns. An empty cell is null;
``Infinity`` and ``NaN`` (CICFlowMeter writes them for zero-length flows) are kept as floats.
Naive CICFlowMeter timestamps are taken as UTC.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

import orjson

from .base import Item, LineParser, RecordError, iso_to_us

#: IANA protocol number -> ECS ``network.transport``.
TRANSPORT = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre", 50: "esp", 51: "ah",
             58: "ipv6-icmp", 132: "sctp"}
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
    if not -_INT64 <= value < _INT64:
        raise RecordError("bad-number", f"column {column!r}: {raw[:40]!r} is out of the 64-bit range")
    return value


def _unique(names: list[str]) -> list[str]:
    """Header names, stripped; a repeated name gets ``.1``, ``.2`` (CIC-IDS2017 repeats one column)."""
    seen: dict[str, int] = {}
    out = []
    for name in (n.strip() for n in names):
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(f"{name}.{count}" if count else name)
    return out


class FlowCsvParser(LineParser):
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

    def records(self, path: Path, source: str) -> Iterator[Item]:
        self.columns = None
        return super().records(path, source)

    def _set_header(self, text: str, fields: list[str]) -> None:
        self._header = text
        self.columns = _unique(fields)
        numeric = [i for i, c in enumerate(self.columns) if c not in self.text_columns]
        text = [i for i, c in enumerate(self.columns) if c in self.text_columns]
        self._numeric_names = [self.columns[i] for i in numeric]
        self._numeric_keys = [f"{self.namespace}.{self.columns[i]}" for i in numeric]
        self._text_keys = [f"{self.namespace}.{self.columns[i]}" for i in text]
        self._pick_numeric = itemgetter(*numeric) if len(numeric) > 1 else (lambda v: tuple(v[i] for i in numeric))
        self._pick_text = itemgetter(*text) if len(text) > 1 else (lambda v: tuple(v[i] for i in text))
        self._copy = [(f"{self.namespace}.{c}", ecs) for c, ecs in self.ecs_copy.items() if c in self.columns]
        self._protocol = f"{self.namespace}.{self.protocol_column}"

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
        fields = dict(zip(self._numeric_keys, numbers))  # noqa: B905 - lengths checked above
        fields.update(zip(self._text_keys, [t or None for t in self._pick_text(values)]))  # noqa: B905
        fields["event.module"] = self.dataset
        fields["event.dataset"] = self.dataset
        fields["event.kind"] = "event"
        fields["event.category"] = "network"
        for original, ecs in self._copy:
            fields[ecs] = fields[original]
        fields["network.transport"] = TRANSPORT.get(fields.get(self._protocol))  # type: ignore[arg-type]
        self.map_extra(fields)
        return fields

    def map_extra(self, fields: dict) -> None:
        """Format-specific ECS fields (time, duration)."""


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

    def map_extra(self, fields: dict) -> None:
        duration = fields.get("cicflowmeter.Flow Duration")
        if isinstance(duration, int):
            fields["event.duration"] = duration * 1000
        stamp = fields.get("cicflowmeter.Timestamp")
        if stamp is not None:
            fields["@timestamp"] = _cic_time(stamp)


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

    def map_extra(self, fields: dict) -> None:
        duration = fields.get("netflow.FLOW_DURATION_MILLISECONDS")
        if isinstance(duration, int):
            fields["event.duration"] = duration * 1_000_000
