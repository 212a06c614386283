"""Windows events on the columnar block path are exactly the events of the record path
(``windows_event`` / ``from_evtx_xml_json`` per record, joined by ``BatchBuilder``), field by field:
on all the shared EVTX samples written as NXLog-style and winlogbeat JSON lines, and read as binary
EVTX (the shared attack samples and the held-out Sigma regression samples)."""

from __future__ import annotations

import sys
from pathlib import Path

import evtx
import orjson
import pyarrow as pa
import pytest

from cybershield.events import (
    PROVENANCE_RECORD_ID,
    PROVENANCE_SOURCE,
    BatchBuilder,
    QuarantineEntry,
    concat,
    ingest,
)
from cybershield.events.parsers.columnar import Block, decode_json_lines
from cybershield.events.parsers.evtx_binary import columnar_block, decode_records
from cybershield.events.parsers.windows import event_time, from_evtx_xml_json, windows_event
from cybershield.events.parsers.windows_columns import _event_times, evtx_columns, flat_columns
from cybershield.events.parsers.windows_json import EvtxJsonParser

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from _windows_json import flat_events, real_events  # noqa: E402

IGNORED = {"event.ingested"}


@pytest.fixture(scope="module")
def docs(shared_data) -> list[dict]:
    return real_events(shared_data / "evtx-attack-samples")


def _record_path(path: Path) -> list[dict]:
    builder = BatchBuilder(10**9)
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        fields = windows_event(orjson.loads(line))
        builder.add(str(path), fields.get("winlog.record_id") or number, fields)
    return builder.flush().to_pylist()


def _by_id(events: list[dict]) -> dict[int, dict]:
    return {e[PROVENANCE_RECORD_ID]: {k: v for k, v in e.items() if v is not None and k not in IGNORED}
            for e in events}


@pytest.mark.parametrize("shape", ["nxlog", "winlogbeat"])
def test_block_path_equals_record_path_on_all_shared_samples(tmp_path, docs, shape):
    path = tmp_path / f"{shape}.json"
    count = 2 * len(docs)  # the real events, then each once more as from another host
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in flat_events(docs, count, shape)))
    batches: list = []
    summary = ingest([path], sink=batches.append)
    assert (summary.parsed, summary.quarantined) == (count, 0)
    ours, reference = _by_id(concat(batches).to_pylist()), _by_id(_record_path(path))
    assert len(ours) == len(reference) == count
    differing = [rid for rid in reference if ours[rid] != reference[rid]]
    assert differing == [], {k: (ours[differing[0]].get(k), v) for k, v in reference[differing[0]].items()
                             if ours[differing[0]].get(k) != v}


def test_real_flat_events_of_one_kind_decode_column_wise(docs):
    events = list(flat_events(docs, 2 * len(docs), "nxlog"))
    parser = EvtxJsonParser()
    for channel, event_id in (("Microsoft-Windows-Sysmon/Operational", 1), ("Security", 4624), ("Security", 4688)):
        lines = [orjson.dumps(e) for e in events if e["Channel"] == channel and e["EventID"] == event_id]
        shape, raw = parser._decode_part(lines)  # not the record-by-record fallback
        assert len(lines) > 20 and shape == "flat" and raw.num_rows == len(lines)
        columns = flat_columns(raw)
        assert columns["@timestamp"].null_count == 0 and set(columns["winlog.event_id"].to_pylist()) == {event_id}


def test_a_block_with_a_bad_record_quarantines_it_and_keeps_the_rest(tmp_path, docs):
    lines = [orjson.dumps(e) for e in flat_events(docs, 300, "nxlog")]
    lines[10] = b'{"EventID": 1, "Channel": "x", "broken'
    lines[20] = b'{"Channel": "no event id"}'
    path = tmp_path / "mixed.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    batches: list = []
    summary = ingest([path], sink=batches.append)
    assert (summary.parsed, summary.quarantined) == (298, 2)
    assert dict(summary.by_reason) == {"invalid-json": 1, "not-a-windows-event": 1}


def _evtx_record_path(files: list[Path]) -> list[dict]:
    """Every record of the files mapped one at a time (``from_evtx_xml_json``), joined by ``BatchBuilder``."""
    builder = BatchBuilder(10**9)
    for path in files:
        try:
            for ordinal, rec in enumerate(evtx.PyEvtxParser(str(path), 1).records_json(), 1):
                fields = from_evtx_xml_json(orjson.loads(rec["data"]))
                builder.add(str(path), fields.get("winlog.record_id") or rec["event_record_id"] or ordinal, fields)
        except RuntimeError:
            continue
    return builder.flush().to_pylist()


def _by_source_and_id(events: list[dict]) -> dict[tuple, dict]:
    return {(e[PROVENANCE_SOURCE], e[PROVENANCE_RECORD_ID]): {k: v for k, v in e.items() if v is not None and k not in IGNORED}
            for e in events}


@pytest.mark.parametrize("folder", ["evtx-attack-samples", "sigma/regression_data"])
def test_binary_evtx_in_blocks_equals_the_record_path_on_all_shared_samples(shared_data, folder):
    files = sorted((shared_data / folder).rglob("*.evtx"))
    batches: list = []
    summary = ingest(files, "evtx", sink=batches.append)
    ours, reference = _by_source_and_id(concat(batches).to_pylist()), _by_source_and_id(_evtx_record_path(files))
    assert summary.parsed == len(ours) == len(reference) > 150
    differing = [key for key in reference if ours.get(key) != reference[key]]
    assert differing == [], {k: (ours.get(differing[0], {}).get(k), v) for k, v in reference[differing[0]].items()
                             if ours.get(differing[0], {}).get(k) != v}


def test_evtx_dump_lines_decode_column_wise(docs):
    """evtx_dump JSON lines ({"Event": …}) of one kind take the columnar path, with the record path's values."""
    lines = [orjson.dumps(d) for d in docs if d["Event"]["System"]["Channel"] == "Microsoft-Windows-Sysmon/Operational"
             and d["Event"]["System"]["EventID"] == 1]
    shape, raw = EvtxJsonParser()._decode_part(lines)
    assert len(lines) > 20 and shape == "evtx_dump"
    columns = evtx_columns(raw)
    expected = [from_evtx_xml_json(d) for d in map(orjson.loads, lines)]
    for name in ("process.executable", "process.pid", "user.name", "file.hash.sha256", "winlog.event_data.CommandLine"):
        assert columns[name].to_pylist() == [e.get(name) for e in expected]
    assert columns["@timestamp"].cast(pa.int64()).to_pylist() == [e["@timestamp"] for e in expected]


def test_all_shared_evtx_records_decode_as_one_columnar_block(docs):
    lines = [orjson.dumps(d) for d in docs]
    table = columnar_block(["s"] * len(lines), lines, list(range(1, len(lines) + 1)))
    assert table is not None and table.num_rows == len(lines)  # not the record-by-record fallback
    assert table.column("@timestamp").null_count == 0 and table.column("winlog.event_id").null_count == 0


def test_gathered_evtx_records_with_a_bad_one_quarantine_it_and_keep_the_others(docs):
    lines = [orjson.dumps(d) for d in docs[:50]]
    lines[7] = b'{"Event": {"EventData": {"Image": "x.exe"}}}'  # no System element
    lines[9] = b'{"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": "not a time"}}}}}'
    sources = ["a.evtx"] * 25 + ["b.evtx"] * 25
    items = list(decode_records(sources, lines, list(range(1, 51))))
    blocks = [item.table for item in items if isinstance(item, Block)]
    entries = [item for item in items if isinstance(item, QuarantineEntry)]
    assert sorted((e.source, e.record_id, e.reason) for e in entries) == [
        ("a.evtx", 8, "not-a-windows-event"), ("a.evtx", 10, "malformed-record")]
    events = concat(blocks)
    assert events.num_rows == 48
    assert events.column(PROVENANCE_SOURCE).value_counts().to_pylist() == [
        {"values": "a.evtx", "counts": 23}, {"values": "b.evtx", "counts": 25}]


def test_a_large_file_comes_in_batches_of_at_most_the_batch_size(tmp_path):
    """A block is decoded whole, so its size bounds memory: a file's blocks follow ``batch_size``."""
    path = tmp_path / "sysmon.json"
    path.write_text("".join(
        orjson.dumps({"EventID": 1 + i % 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "RecordNumber": i + 1,
                      "Hostname": f"wks{i % 7}", "Image": f"C:\\Windows\\app{i}.exe"}).decode() + "\n"
        for i in range(2_500)))
    batches: list[pa.Table] = []
    summary = ingest([path], sink=batches.append, batch_size=1_000)
    assert summary.parsed == 2_500
    assert max(b.num_rows for b in batches) <= 1_000 and len(batches) >= 3
    ids = sorted(i for b in batches for i in b.column(PROVENANCE_RECORD_ID).to_pylist())
    assert ids == list(range(1, 2_501))


def _without(value: object, names: set[str]) -> object:
    """``value`` less the keys in ``names``, at any depth."""
    return {k: _without(v, names) for k, v in value.items() if k not in names} if isinstance(value, dict) else value


@pytest.mark.parametrize("shape", ["nxlog", "winlogbeat", "evtx_dump"])
def test_kinds_seen_in_an_earlier_block_decode_as_if_new(docs, shape):
    """The types Arrow found for a kind are declared to it for the kind's next part: the fields a
    later record lacks must not come out (as all-null columns), flattened names included."""
    events = docs[:2000] if shape == "evtx_dump" else list(flat_events(docs[:2000], 2000, shape))
    lines = [orjson.dumps(e) for e in events]
    fewer = [orjson.dumps(_without(e, {"Image", "Hashes", "TargetUserName", "Keywords"})) for e in events]
    parser = EvtxJsonParser()
    first = parser.decode_block(lines)
    again, fresh = parser.decode_block(fewer), EvtxJsonParser().decode_block(fewer)
    assert first is not None and again is not None and fresh is not None
    assert "winlog.event_data.Image" in first.column_names and "winlog.event_data.Image" not in again.column_names
    again, fresh = again.drop(["event.ingested"]), fresh.drop(["event.ingested"])
    assert again.schema == fresh.schema and again.equals(fresh)


def test_json_lines_in_one_block_or_many_are_typed_alike():
    """A part that fits one block goes through Arrow's streaming reader, a larger one through
    ``read_json`` in blocks: a field's type is decided by all its values either way."""
    padded = b'{"n": 1, "t": "2019-04-27 16:19:31", "pad": "%s"}' % (b"x" * 1000)
    lines = [padded] * 2000 + [b'{"n": 1.5, "t": "not a time"}']
    for part in (lines[-3:], lines):
        table = decode_json_lines(part)
        assert table.num_rows == len(part)
        assert (table.schema.field("n").type, table.schema.field("t").type) == (pa.float64(), pa.string())


@pytest.mark.parametrize("texts", [
    [None, "2019-04-27 16:19:31.5", "2019-04-27T16:19:32"],  # naive: UTC
    ["2019-04-27T16:19:31Z", None, "2019-04-27T18:19:32+02:00"],  # with offsets
    ["2019-04-27 16:19:31", "2019-04-27T16:19:32Z", "/Date(1556381972000)/"],  # mixed: per value
    ["not a time", "2019-04-27 16:19:31", None],
    [None, None],
])
def test_event_time_columns_are_the_record_paths_times(texts):
    times = _event_times(pa.chunked_array([pa.array(texts, pa.string())]))
    assert times.cast(pa.int64()).to_pylist() == [event_time(t) for t in texts]
