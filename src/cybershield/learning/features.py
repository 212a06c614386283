"""One flow-feature extractor for CICFlowMeter, NetFlow v2 (nProbe) and Zeek conn events.

Events come from ``cybershield.events`` as Arrow tables; each flow's original columns sit under
``cicflowmeter.*``, ``netflow.*`` or ``zeek.conn.*``. ``extract`` turns the flow rows of such a
table into one matrix over ``FEATURE_NAMES``. A feature a format does not measure is missing
(NaN), never invented: a CICFlowMeter packet length counts payload bytes, an nProbe one IP bytes,
so they are different features. The full mapping is ``feature_table()`` (the README prints it).

Identifiers never reach a model: addresses, ports, flow ids, connection uids, DNS transaction ids,
timestamps and labels are not read by any feature (``IDENTIFIERS``; a test checks both the
mapping and that changing those columns leaves the matrix unchanged). Infinite rates
(CICFlowMeter divides by a zero duration) become missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: ``event.dataset`` of each flow format, which is also the namespace of its original columns.
FORMATS = ("cicflowmeter", "netflow", "zeek.conn")
BENIGN = "BENIGN"
#: Columns that identify hosts, conversations or moments, or carry the answer: never features.
#: ``Total TCP Flow Time`` measures the TCP connection, not the flow: on CIC-IDS2017 slow-DoS flows of about
#: 100 s it reaches 900 s, growing while the attack keeps its connections open, so it tells how late in an
#: attack a flow is (a clock), and a later period shows values its training never had. Left out like one.
IDENTIFIERS = {
    "cicflowmeter": {"id", "Flow ID", "Src IP", "Src Port", "Dst IP", "Dst Port", "Timestamp", "Label",
                     "Attempted Category", "Total TCP Flow Time"},
    "netflow": {"IPV4_SRC_ADDR", "L4_SRC_PORT", "IPV4_DST_ADDR", "L4_DST_PORT", "DNS_QUERY_ID", "Label",
                "Attack", "Dataset"},
    "zeek.conn": {"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "local_orig", "local_resp",
                  "tunnel_parents", "community_id", "label", "detailedlabel"},
}
_LABEL_COLUMN = {"cicflowmeter": "Label", "netflow": "Attack", "zeek.conn": "label"}
_BENIGN_NAMES = {"benign", "normal"}
_UNLABELLED = {"background", "unknown", ""}


class Columns:
    """Typed access to one format's original columns of a table (missing column or null -> NaN)."""

    def __init__(self, table: pa.Table, namespace: str):
        self.table = table
        self.namespace = namespace

    def number(self, name: str) -> np.ndarray:
        key = f"{self.namespace}.{name}"
        if key not in self.table.column_names:
            return np.full(self.table.num_rows, np.nan)
        col = self.table.column(key)
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_boolean(col.type)):
            col = pc.cast(col, pa.float64(), safe=False) if pa.types.is_null(col.type) else _parse_numbers(col)
        values = col.cast(pa.float64()).to_numpy().copy()
        values[np.isinf(values)] = np.nan
        return values

    def text(self, name: str) -> np.ndarray:
        key = f"{self.namespace}.{name}"
        if key not in self.table.column_names:
            return np.full(self.table.num_rows, None, dtype=object)
        return np.asarray(self.table.column(key).cast(pa.string()).to_pylist(), dtype=object)


def _parse_numbers(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column that should hold numbers: what does not parse is null."""
    values = [None if v is None else _float_or_none(v) for v in col.cast(pa.string()).to_pylist()]
    return pa.chunked_array([pa.array(values, pa.float64())])


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Source:
    """How one format measures one feature: the columns read and a short description for the table."""

    columns: tuple[str, ...]
    doc: str
    compute: Callable[[Columns], np.ndarray]


def col(name: str, scale: float = 1.0, unit: str = "") -> Source:
    doc = f"`{name}`" + (f" {unit}" if unit else "")
    return Source((name,), doc, lambda c: c.number(name) * scale if scale != 1.0 else c.number(name))


def seen(count_column: str) -> Source:
    """CICFlowMeter flag count -> 1 when the flag was seen at all."""
    return Source((count_column,), f"`{count_column}` > 0", lambda c: _positive(c.number(count_column)))


def bit(column: str, mask: int) -> Source:
    """nProbe cumulative TCP flags (OR of all packets) -> 1 when the bit is set."""
    def compute(c: Columns) -> np.ndarray:
        values = c.number(column)
        out = np.full(values.shape, np.nan)
        ok = ~np.isnan(values)
        out[ok] = (values[ok].astype(np.int64) & mask) > 0
        return out
    return Source((column,), f"`{column}` & {mask:#x}", compute)


def history(letters: str) -> Source:
    """Zeek ``history``: 1 when any of these letters (either direction) appears."""
    def compute(c: Columns) -> np.ndarray:
        return np.array([np.nan if h is None else float(any(ch in h for ch in letters)) for h in c.text("history")])
    return Source(("history",), f"`history` has {'/'.join(letters)}", compute)


def zeek_proto() -> Source:
    numbers = {"tcp": 6.0, "udp": 17.0, "icmp": 1.0}
    return Source(("proto",), "`proto` (tcp 6, udp 17, icmp 1)",
                  lambda c: np.array([numbers.get(p, np.nan) for p in c.text("proto")]))


_CONN_STATES = ("S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH")


def zeek_conn_state() -> Source:
    codes = {s: float(i) for i, s in enumerate(_CONN_STATES)}
    return Source(("conn_state",), "`conn_state` as its index in " + ", ".join(_CONN_STATES),
                  lambda c: np.array([codes.get(s, np.nan) for s in c.text("conn_state")]))


def _positive(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    out[ok] = values[ok] > 0
    return out


_TCP = {"fin": ("FIN Flag Count", 0x01, "Ff"), "syn": ("SYN Flag Count", 0x02, "Ss"),
        "rst": ("RST Flag Count", 0x04, "Rr"), "psh": ("PSH Flag Count", 0x08, ""),
        "ack": ("ACK Flag Count", 0x10, "Aa"), "urg": ("URG Flag Count", 0x20, "")}

#: Features every flow format can measure (some formats leave some out).
SHARED: dict[str, dict[str, Source]] = {
    "protocol": {"cicflowmeter": col("Protocol"), "netflow": col("PROTOCOL"), "zeek.conn": zeek_proto()},
    "duration_s": {"cicflowmeter": col("Flow Duration", 1e-6, "µs / 10⁶"),
                   "netflow": col("FLOW_DURATION_MILLISECONDS", 1e-3, "ms / 1000"), "zeek.conn": col("duration")},
    "fwd_packets": {"cicflowmeter": col("Total Fwd Packet"), "netflow": col("IN_PKTS"), "zeek.conn": col("orig_pkts")},
    "bwd_packets": {"cicflowmeter": col("Total Bwd packets"), "netflow": col("OUT_PKTS"),
                    "zeek.conn": col("resp_pkts")},
    "fwd_payload_bytes": {"cicflowmeter": col("Total Length of Fwd Packet"), "zeek.conn": col("orig_bytes")},
    "bwd_payload_bytes": {"cicflowmeter": col("Total Length of Bwd Packet"), "zeek.conn": col("resp_bytes")},
    "fwd_ip_bytes": {"netflow": col("IN_BYTES"), "zeek.conn": col("orig_ip_bytes")},
    "bwd_ip_bytes": {"netflow": col("OUT_BYTES"), "zeek.conn": col("resp_ip_bytes")},
    **{f"tcp_{flag}_seen": {"cicflowmeter": seen(count), "netflow": bit("TCP_FLAGS", mask),
                            **({"zeek.conn": history(letters)} if letters else {})}
       for flag, (count, mask, letters) in _TCP.items()},
    "icmp_type": {"cicflowmeter": col("ICMP Type"), "netflow": col("ICMP_TYPE")},
}

#: CICFlowMeter's own statistics (not measured by the other formats), named in snake case.
_CIC_ONLY = [
    "Fwd Packet Length Max", "Fwd Packet Length Min", "Fwd Packet Length Mean", "Fwd Packet Length Std",
    "Bwd Packet Length Max", "Bwd Packet Length Min", "Bwd Packet Length Mean", "Bwd Packet Length Std",
    "Flow Bytes/s", "Flow Packets/s", "Flow IAT Mean", "Flow IAT Std", "Flow IAT Max", "Flow IAT Min",
    "Fwd IAT Total", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max", "Fwd IAT Min", "Bwd IAT Total", "Bwd IAT Mean",
    "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Bwd PSH Flags", "Fwd URG Flags",
    "Bwd URG Flags", "Fwd RST Flags", "Bwd RST Flags", "Fwd Header Length", "Bwd Header Length",
    "Fwd Packets/s", "Bwd Packets/s", "Packet Length Min", "Packet Length Max", "Packet Length Mean",
    "Packet Length Std", "Packet Length Variance", "FIN Flag Count", "SYN Flag Count", "RST Flag Count",
    "PSH Flag Count", "ACK Flag Count", "URG Flag Count", "CWR Flag Count", "ECE Flag Count", "Down/Up Ratio",
    "Average Packet Size", "Fwd Segment Size Avg", "Bwd Segment Size Avg", "Fwd Bytes/Bulk Avg",
    "Fwd Packet/Bulk Avg", "Fwd Bulk Rate Avg", "Bwd Bytes/Bulk Avg", "Bwd Packet/Bulk Avg", "Bwd Bulk Rate Avg",
    "Subflow Fwd Packets", "Subflow Fwd Bytes", "Subflow Bwd Packets", "Subflow Bwd Bytes", "FWD Init Win Bytes",
    "Bwd Init Win Bytes", "Fwd Act Data Pkts", "Fwd Seg Size Min", "Active Mean", "Active Std", "Active Max",
    "Active Min", "Idle Mean", "Idle Std", "Idle Max", "Idle Min", "ICMP Code",
]
#: nProbe NetFlow v2 fields not measured by the other formats, named in lower case.
_NETFLOW_ONLY = [
    "L7_PROTO", "TCP_FLAGS", "CLIENT_TCP_FLAGS", "SERVER_TCP_FLAGS", "DURATION_IN", "DURATION_OUT", "MIN_TTL",
    "MAX_TTL", "LONGEST_FLOW_PKT", "SHORTEST_FLOW_PKT", "MIN_IP_PKT_LEN", "MAX_IP_PKT_LEN",
    "SRC_TO_DST_SECOND_BYTES", "DST_TO_SRC_SECOND_BYTES", "RETRANSMITTED_IN_BYTES", "RETRANSMITTED_IN_PKTS",
    "RETRANSMITTED_OUT_BYTES", "RETRANSMITTED_OUT_PKTS", "SRC_TO_DST_AVG_THROUGHPUT", "DST_TO_SRC_AVG_THROUGHPUT",
    "NUM_PKTS_UP_TO_128_BYTES", "NUM_PKTS_128_TO_256_BYTES", "NUM_PKTS_256_TO_512_BYTES",
    "NUM_PKTS_512_TO_1024_BYTES", "NUM_PKTS_1024_TO_1514_BYTES", "TCP_WIN_MAX_IN", "TCP_WIN_MAX_OUT",
    "ICMP_IPV4_TYPE", "DNS_QUERY_TYPE", "DNS_TTL_ANSWER", "FTP_COMMAND_RET_CODE",
]


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


#: Feature name -> {event.dataset -> Source}; the order is the model's column order.
FEATURES: dict[str, dict[str, Source]] = {
    **SHARED,
    **{_snake(c): {"cicflowmeter": col(c)} for c in _CIC_ONLY},
    **{f"nf_{c.lower()}": {"netflow": col(c)} for c in _NETFLOW_ONLY},
    "zeek_missed_bytes": {"zeek.conn": col("missed_bytes")},
    "zeek_conn_state": {"zeek.conn": zeek_conn_state()},
}
FEATURE_NAMES: list[str] = list(FEATURES)
#: Features that measure time (durations, gaps between packets, active and idle periods) or rates per second:
#: set by a tool's timers and the server's timeouts, so they move between phases of one attack.
TIMING_FEATURES = frozenset(n for n in FEATURE_NAMES if n.endswith("_s") or any(
    word in n for word in ("duration", "iat", "active", "idle", "bulk_rate", "second", "throughput")))


@dataclass
class FlowFeatures:
    """The flow rows of a table as a feature matrix, with what evaluation needs beside it."""

    matrix: np.ndarray  # float32, one row per flow, columns FEATURE_NAMES
    rows: np.ndarray  # index of each flow's row in the source table
    labels: np.ndarray  # family label per flow (object); None where the source has no label
    time: np.ndarray  # int64 order key: @timestamp in µs, else the record number in its source
    datasets: np.ndarray  # event.dataset per flow (object)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, index: np.ndarray) -> FlowFeatures:
        return FlowFeatures(self.matrix[index], self.rows[index], self.labels[index], self.time[index],
                            self.datasets[index])


def family(label: object) -> str | None:
    """A source's label as an attack family: benign variants become ``BENIGN``; unlabelled is None."""
    if label is None:
        return None
    text = str(label).strip()
    if text.lower() in _BENIGN_NAMES:
        return BENIGN
    return None if text.lower() in _UNLABELLED else text


def extract(table: pa.Table) -> FlowFeatures:
    """Features of every flow event in ``table`` (other events are left out; ``rows`` says which)."""
    datasets = np.asarray(table.column("event.dataset").to_pylist(), dtype=object) \
        if "event.dataset" in table.column_names else np.full(table.num_rows, None, dtype=object)
    parts = []
    for dataset in FORMATS:
        index = np.flatnonzero(datasets == dataset)
        if len(index):
            sub = table if len(index) == table.num_rows else table.take(pa.array(index))
            parts.append((index, _extract_format(sub, dataset)))
    if not parts:
        return FlowFeatures(np.empty((0, len(FEATURE_NAMES)), np.float32), np.empty(0, np.int64),
                            np.empty(0, object), np.empty(0, np.int64), np.empty(0, object))
    rows = np.concatenate([index for index, _ in parts])
    order = np.argsort(rows, kind="stable")
    matrix = np.concatenate([m for _, (m, _, _) in parts])[order]
    labels = np.concatenate([lab for _, (_, lab, _) in parts])[order]
    time = np.concatenate([t for _, (_, _, t) in parts])[order]
    return FlowFeatures(matrix, rows[order], labels, time, datasets[rows[order]])


def _extract_format(table: pa.Table, dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols = Columns(table, dataset)
    matrix = np.full((table.num_rows, len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    for j, sources in enumerate(FEATURES.values()):
        source = sources.get(dataset)
        if source is not None:
            matrix[:, j] = source.compute(cols)
    labels = np.array([family(v) for v in cols.text(_LABEL_COLUMN[dataset])], dtype=object)
    return matrix, labels, _time_key(table)


def _time_key(table: pa.Table) -> np.ndarray:
    """@timestamp in µs where there is one, else the record number (NetFlow v2 carries no start time)."""
    n = table.num_rows
    record = table.column("event.provenance.record_id").to_numpy(zero_copy_only=False) \
        if "event.provenance.record_id" in table.column_names else np.arange(n)
    if "@timestamp" not in table.column_names:
        return np.asarray(record, dtype=np.int64)
    stamps = table.column("@timestamp").cast(pa.int64())
    if stamps.null_count == n:
        return np.asarray(record, dtype=np.int64)
    return pc.fill_null(stamps, 0).to_numpy().astype(np.int64)


def feature_table() -> str:
    """The mapping as a Markdown table: feature, then the source column per format ("–": missing)."""
    lines = ["| feature | cicflowmeter | netflow-v2 | zeek conn |", "|---|---|---|---|"]
    for name, sources in FEATURES.items():
        cells = [sources[d].doc if d in sources else "–" for d in FORMATS]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
