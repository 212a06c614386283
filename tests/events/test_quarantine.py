"""Bad input: every record is parsed or quarantined with a reason; nothing escapes as an exception."""

from __future__ import annotations

import gzip

from cybershield.events import Quarantine, concat, ingest
from cybershield.events.readers import LineTooLong, iter_lines

CONN = b'{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp"}'


def _run(tmp_path, name, content, fmt=None):
    path = tmp_path / name
    path.write_bytes(content)
    batches, quarantine = [], Quarantine(tmp_path / "q")
    summary = ingest([path], fmt, sink=batches.append, quarantine=quarantine)
    quarantine.close()
    return summary, concat(batches), quarantine


def test_bad_json_lines_are_quarantined_with_line_numbers(tmp_path):
    content = b"\n".join([CONN, b"{not json", CONN, b"\xff\xfe{}", b"[1,2]", CONN]) + b"\n"
    summary, events, quarantine = _run(tmp_path, "conn.log", content)
    assert (summary.read, summary.parsed, summary.quarantined) == (6, 3, 3)
    assert events.num_rows == 3
    reasons = {(e.record_id, e.reason) for e in quarantine.entries}
    assert reasons == {(2, "invalid-json"), (4, "invalid-utf8"), (5, "not-an-object")}
    on_disk = (tmp_path / "q" / "quarantine.jsonl").read_text().splitlines()
    assert len(on_disk) == 3


def test_huge_line_is_quarantined_without_losing_neighbours(tmp_path):
    huge = b'{"ts":1,"uid":"' + b"A" * (5 * 1024 * 1024) + b'"}'
    summary, events, quarantine = _run(tmp_path, "conn.log", CONN + b"\n" + huge + b"\n" + CONN + b"\n")
    assert (summary.parsed, summary.quarantined) == (2, 1)
    assert quarantine.entries[0].reason == "line-too-long" and quarantine.entries[0].record_id == 2


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress(b"".join(CONN + b"\n" for _ in range(2000)))
    summary, events, quarantine = _run(tmp_path, "conn.log.gz", data[: len(data) // 2])
    assert summary.parsed > 0
    assert summary.by_reason["truncated"] == 1
    assert summary.read == summary.parsed + summary.quarantined


def test_unknown_format_and_binary_junk(tmp_path):
    summary, _, quarantine = _run(tmp_path, "junk.bin", bytes(range(256)) * 10)
    # every line of an unreadable file is a record counted as quarantined (byte 10 is a newline: 11 lines)
    assert summary.parsed == 0 and summary.by_reason == {"unknown-format": 11} and summary.read == 11


def test_unrecognised_text_file_counts_its_lines(tmp_path):
    text = b"".join(b"2026-11-02 08:00:%02d appliance-7 link state changed\n" % (i % 60) for i in range(148))
    summary, _, quarantine = _run(tmp_path, "appliance.log", text)
    assert (summary.read, summary.quarantined, summary.parsed) == (148, 148, 0)
    assert [e.record_id for e in quarantine.entries[:2]] == [1, 2] and "appliance-7" in quarantine.entries[0].sample
    (tmp_path / "e").mkdir()
    empty = _run(tmp_path / "e", "empty.log", b"")[0]
    assert empty.by_reason == {"unknown-format": 1}


def test_truncated_evtx_is_reported(tmp_path, shared_data):
    raw = (shared_data / "evtx-attack-samples" / "UACME_59_Sysmon.evtx").read_bytes()
    summary, _, quarantine = _run(tmp_path, "cut.evtx", raw[: len(raw) // 3])
    assert summary.read == summary.parsed + summary.quarantined
    assert summary.by_reason["truncated"] == 1
    assert "chunks" in quarantine.entries[0].detail


def test_zeek_tsv_wrong_field_count(tmp_path):
    header = b"#separator \\x09\n#fields\tts\tuid\tid.orig_h\n#types\ttime\tstring\taddr\n"
    content = header + b"1.0\tC1\t10.0.0.1\n2.0\tC2\n3.0\tC3\t10.0.0.3\n"
    summary, events, quarantine = _run(tmp_path, "conn.log", content)
    assert (summary.parsed, summary.quarantined) == (2, 1)
    assert quarantine.entries[0].reason == "bad-field-count"


def test_iter_lines_bounded(tmp_path):
    import io

    stream = io.BytesIO(b"a\r\n" + b"x" * 100 + b"\nb")
    out = list(iter_lines(stream, max_line=10))
    assert out[0] == b"a" and isinstance(out[1], LineTooLong) and out[1].length == 100 and out[2] == b"b"


def test_hundred_megabyte_line_in_gzip_is_quarantined_in_bounded_memory(tmp_path):
    import resource

    path = tmp_path / "conn.log.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:  # written in pieces: the test never holds the line
        f.write(CONN + b'\n{"ts":1,"uid":"')
        for _ in range(100):
            f.write(b"A" * (1024 * 1024))
        f.write(b'"}\n' + CONN + b"\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batches, quarantine = [], Quarantine()
    summary = ingest([path], sink=batches.append, quarantine=quarantine)
    assert (summary.read, summary.parsed, summary.quarantined) == (3, 2, 1)
    entry = quarantine.entries[0]
    assert (entry.record_id, entry.reason) == (2, "line-too-long") and "104857617 bytes" in entry.detail
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 50, f"reading grew the peak memory by {grown_mib:.0f} MiB"


def test_out_of_range_times_and_durations_become_null_not_lost(tmp_path):
    content = (b"#separator \\x09\n#path\tconn\n#fields\tts\tuid\tduration\n#types\ttime\tstring\tinterval\n"
               b"17936064608959\tC1\t1e300\n1.5\tC2\t0.25\nnan\tC3\tinf\n")
    summary, events, quarantine = _run(tmp_path, "conn.log", content, "zeek-tsv")
    assert (summary.parsed, summary.quarantined) == (3, 0)
    rows = events.select(["@timestamp", "event.duration", "zeek.conn.uid", "zeek.conn.ts"]).to_pylist()
    assert [r["zeek.conn.uid"] for r in rows] == ["C1", "C2", "C3"]
    assert rows[0]["@timestamp"] is None and rows[0]["event.duration"] is None and rows[0]["zeek.conn.ts"] == 17936064608959
    assert rows[1]["@timestamp"].timestamp() == 1.5 and rows[1]["event.duration"] == 250_000_000
    assert rows[2]["@timestamp"] is None and rows[2]["event.duration"] is None


def test_text_times_beyond_int64_among_iso_times_become_null(tmp_path):
    content = b'{"ts":"1e20","uid":"A"}\n{"ts":"2020-01-01T00:00:00Z","uid":"B"}\n{"ts":"soon","uid":"C"}\n'
    summary, events, _ = _run(tmp_path, "conn.log", content)
    assert (summary.parsed, summary.quarantined) == (3, 0)
    stamps = events.column("@timestamp").to_pylist()
    assert stamps[0] is None and stamps[1].year == 2020 and stamps[2] is None
