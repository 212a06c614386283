"""Flow CSV parsers (CICFlowMeter, NetFlow v2): the shared exports, and hostile input."""

from __future__ import annotations

import gzip
import json

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybershield.events import Quarantine, concat, ingest, sniff
from cybershield.events.parsers import PARSERS

CIC_HEADER = "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Total Fwd Packet,Label"
CIC_ROW = "10.0.0.1-10.0.0.2-1234-80-6,10.0.0.1,1234,10.0.0.2,80,6,2017-07-03 11:57:51.590705,1500,3,BENIGN"
NF_HEADER = "IPV4_SRC_ADDR,L4_SRC_PORT,IPV4_DST_ADDR,L4_DST_PORT,PROTOCOL,IN_BYTES,OUT_BYTES,FLOW_DURATION_MILLISECONDS,Label,Attack"
NF_ROW = "192.168.1.5,43600,192.168.1.6,53,17,280,40,12,1,DoS"


def _run(tmp_path, name, content: bytes, fmt=None):
    path = tmp_path / name
    path.write_bytes(content)
    return _ingest_one(path, fmt)


def test_cicids2017_all_rows_with_labels(shared_data):
    path = shared_data / "cicids2017" / "train.csv.gz"
    assert sniff(path) == "cicflowmeter"
    summary, events, _ = _ingest_one(path)
    assert summary.read == summary.parsed == 30_390 and summary.quarantined == 0
    counts = json.loads((shared_data / "cicids2017" / "counts.json").read_text())["rows_per_label"]
    labels = pc.value_counts(events.column("cicflowmeter.Label")).to_pylist()
    assert {d["values"]: d["counts"] for d in labels} == counts
    first = events.slice(0, 1).to_pylist()[0]
    assert first["source.ip"] == "192.168.10.50" and first["destination.port"] == 53
    assert first["network.transport"] == "udp"
    assert first["event.duration"] == 159_000  # 159 µs
    assert first["source.bytes"] == 86 and first["destination.packets"] == 2
    assert first["@timestamp"].isoformat() == "2017-07-03T11:57:51.590705+00:00"
    assert first["event.dataset"] == "cicflowmeter" and first["event.category"] == "network"
    assert events.schema.field("cicflowmeter.Flow Bytes/s").type == "double"
    assert events.schema.field("cicflowmeter.Dst Port").type == "int64"
    assert sum(1 for n in events.column_names if n.startswith("cicflowmeter.")) == 91


def test_netflow_v2_all_rows_with_attack_labels(shared_data):
    path = shared_data / "netflow-v2" / "botiot_reduced.csv.gz"
    assert sniff(path) == "netflow-v2"
    summary, events, _ = _ingest_one(path)
    assert summary.read == summary.parsed == 278_781 and summary.quarantined == 0
    attacks = {d["values"]: d["counts"] for d in pc.value_counts(events.column("netflow.Attack")).to_pylist()}
    assert attacks == {"DoS": 167_004, "DDoS": 84_552, "Reconnaissance": 25_907, "Benign": 1_285, "Theft": 33}
    first = events.slice(0, 1).to_pylist()[0]
    assert first["source.ip"] == "192.168.100.149" and first["destination.port"] == 80
    assert first["source.bytes"] == 280 and first["destination.bytes"] == 40 and first["source.packets"] == 2
    assert first["network.transport"] == "tcp" and first["event.dataset"] == "netflow"
    assert first["event.duration"] == 4_293_498 * 1_000_000
    assert first["netflow.L7_PROTO"] == 7.0 and first["netflow.Label"] == 1
    assert sum(1 for n in events.column_names if n.startswith("netflow.")) == 46


def _ingest_one(path, fmt=None):
    batches, quarantine = [], Quarantine()
    summary = ingest([path], fmt, sink=batches.append, quarantine=quarantine)
    return summary, concat(batches), quarantine


def test_bad_rows_are_quarantined_with_reasons(tmp_path):
    rows = [
        CIC_HEADER,
        CIC_ROW,
        CIC_ROW.rsplit(",", 1)[0],  # a field short
        CIC_ROW.replace(",1500,", ",15x0,"),  # not a number
        CIC_ROW.replace("2017-07-03 11:57:51.590705", "yesterday"),
        CIC_ROW.replace(",3,BENIGN", ",-x,BENIGN"),  # not a number either
        CIC_HEADER,  # a repeated header (concatenated exports) is not a record
        CIC_ROW.replace(",1500,", ",Infinity,"),  # CICFlowMeter's own infinity: a float
        CIC_ROW.replace(",1500,", ",,"),  # empty cell: null
        '"a,b",10.0.0.1,1,10.0.0.2,2,6,2017-07-03 11:57:51,1,1,"BENIGN"',  # quoted CSV
    ]
    content = ("\n".join(rows) + "\n").encode() + CIC_ROW.encode().replace(b"BENIGN", b"\xff\xfe") + b"\n"
    summary, events, quarantine = _run(tmp_path, "flows.csv", content)
    assert summary.read == summary.parsed + summary.quarantined == 9
    assert {(e.record_id, e.reason) for e in quarantine.entries} == {
        (3, "bad-field-count"), (4, "bad-number"), (5, "bad-timestamp"), (6, "bad-number"), (11, "invalid-utf8")}
    durations = events.column("cicflowmeter.Flow Duration").to_pylist()
    assert durations[0] == 1500 and durations[1] == float("inf") and durations[2] is None
    assert events.column("cicflowmeter.Flow ID").to_pylist()[3] == "a,b"
    assert events.column("event.duration").to_pylist() == [1_500_000, None, None, 1000]


def test_netflow_unknown_protocol_and_big_counter(tmp_path):
    rows = [NF_HEADER, NF_ROW, NF_ROW.replace(",17,", ",253,"), NF_ROW.replace(",280,", ",18446744073709551615,")]
    for bad in ("", NF_ROW.replace(",DoS", ",DoS,extra")):  # a clean block (pyarrow.csv), and one line by line
        summary, events, quarantine = _run(tmp_path, "nf.csv", ("\n".join(rows + [bad]) + "\n").encode())
        assert (summary.parsed, summary.quarantined) == (3, 1 if bad else 0)
        assert events.column("network.transport").to_pylist() == ["udp", None, "udp"]
        assert events.column("netflow.PROTOCOL").to_pylist() == [17, 253, 17]
        assert events.column("netflow.IN_BYTES").to_pylist() == [280, 280, 18446744073709551615.0]  # beyond int64: a float
        assert events.column("source.bytes").to_pylist()[:2] == [280, 280]
        assert events.column("event.duration").to_pylist() == [12_000_000] * 3


def test_original_day_first_timestamps(tmp_path):
    old = CIC_ROW.replace("2017-07-03 11:57:51.590705", "3/7/2017 8:55")
    summary, events, _ = _run(tmp_path, "old.csv", f"{CIC_HEADER}\n{old}\n{CIC_ROW}\n".encode())
    assert summary.parsed == 2
    assert [t.isoformat() for t in events.column("@timestamp").to_pylist()] == [
        "2017-07-03T08:55:00+00:00", "2017-07-03T11:57:51.590705+00:00"]


def _records_in(content: bytes) -> int | None:
    """Lines that must count as read: all but blank lines and the header (first line, and its repeats)."""
    header, count = None, 0
    for raw in content.split(b"\n"):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            count += 1
            continue
        if header is None:
            if '"' in text:
                return None  # a quoted header may itself be malformed CSV: not worth modelling here
            header = text
        elif text != header:
            count += 1
    return count


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["cicflowmeter", "netflow-v2"]), st.binary(max_size=600),
       st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=8)), max_size=6))
def test_mutated_or_random_bytes_never_raise(tmp_path, fmt, junk, mutations):
    """Random bytes, and valid exports with bytes spliced in: every line is a record or a quarantine entry."""
    header, row = (CIC_HEADER, CIC_ROW) if fmt == "cicflowmeter" else (NF_HEADER, NF_ROW)
    data = bytearray(("\n".join([header] + [row] * 4) + "\n").encode() + junk)
    for pos, chunk in mutations:
        pos %= len(data) + 1
        data[pos:pos + len(chunk)] = chunk
    content = bytes(data)
    for payload in (content, gzip.compress(content), junk):
        summary, events, quarantine = _run(tmp_path, "x.csv", payload, fmt)
        assert summary.read == summary.parsed + summary.quarantined == quarantine.total + events.num_rows
        expected = _records_in(junk if payload is junk else content)
        if expected is not None:
            assert summary.read == expected


def test_every_parser_registered():
    assert PARSERS["cicflowmeter"]().name == "cicflowmeter"
    assert PARSERS["netflow-v2"]().name == "netflow-v2"
    assert [parser.name for parser in PARSERS.values()] == list(PARSERS)  # each named as its format
