"""Syslog (RFC 5424, RFC 3164) and CEF: fields as the RFCs and the CEF guide define them, bad lines quarantined."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from cybershield.events import Quarantine, concat, ingest, sniff
from cybershield.events.parsers.cef import extension, split_header

SAMPLES = Path(__file__).parent / "samples"


def _events(path: Path):
    batches, quarantine = [], Quarantine()
    summary = ingest([path], None, sink=batches.append, quarantine=quarantine)
    rows = [{k: v for k, v in r.items() if v is not None} for r in concat(batches).to_pylist()]
    return summary, rows, quarantine


def test_rfc5424_header_structured_data_and_escapes():
    path = SAMPLES / "syslog-5424.log"
    assert sniff(path) == "syslog-5424"
    summary, rows, quarantine = _events(path)
    assert (summary.parsed, summary.quarantined) == (2, 1)
    first, second = rows
    assert first["@timestamp"] == datetime(2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC)
    assert first["log.level"] == "critical" and first["syslog.facility"] == 4
    assert first["host.hostname"] == "mymachine.example.com" and first["process.name"] == "su"
    assert first["syslog.msgid"] == "ID47" and "syslog.procid" not in first
    assert second["@timestamp"] == datetime(2003, 10, 12, 5, 14, 15, 3000, tzinfo=UTC)  # -07:00 to UTC
    assert second["process.pid"] == 8710
    assert second["syslog.sd.exampleSDID@32473.eventSource"] == 'Appli"cation'
    assert second["syslog.sd.examplePriority@32473.class"] == "high"
    assert second["message"] == "An application event log entry"
    assert [(e.record_id, e.reason) for e in quarantine.entries] == [(3, "bad-structured-data")]


def test_rfc3164_year_comes_from_the_file_time(tmp_path):
    path = tmp_path / "messages"
    path.write_bytes(b"<13>Dec 31 23:59:58 gw kernel: late\nJan  1 00:00:03 gw sshd[77]: early\n")
    stamp = datetime(2027, 1, 1, 0, 5, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    assert sniff(path) == "syslog-3164"
    summary, rows, _ = _events(path)
    assert [r["@timestamp"] for r in rows] == [datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC),
                                              datetime(2027, 1, 1, 0, 0, 3, tzinfo=UTC)]
    assert rows[1]["process.name"] == "sshd" and rows[1]["process.pid"] == 77
    assert rows[0]["log.level"] == "notice" and "syslog.facility" not in rows[1]


def test_rfc3164_bad_priority_is_quarantined():
    summary, rows, quarantine = _events(SAMPLES / "syslog-3164.log")
    assert summary.parsed == 2 and [e.reason for e in quarantine.entries] == ["bad-priority"]
    assert rows[1]["message"].startswith("Failed password for root")


def test_cef_behind_syslog_header_with_escapes_and_labels():
    path = SAMPLES / "cef.log"
    assert sniff(path) == "cef"
    summary, rows, quarantine = _events(path)
    first, second = rows
    assert first["source.ip"] == "10.0.0.1" and first["source.port"] == 1232 and first["destination.ip"] == "2.1.2.2"
    assert first["message"] == "Detected a threat. No action needed"
    assert first["cef.label.Threat"] == "Worm=X \\ y"
    assert first["event.severity"] == 10 and first["rule.id"] == "100"
    assert first["cef.syslog_header"] == "Sep 19 08:26:10 host"
    assert second["observer.vendor"] == "Vendor|Co" and second["rule.name"] == "Name with \\ slash"
    assert second["event.severity"] == 8  # "High"
    assert second["@timestamp"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert [e.reason for e in quarantine.entries] == ["bad-cef-header"]


def test_cef_extension_values_keep_spaces_and_escaped_equals():
    assert extension("a=1 b=two words c=x\\=y d=") == {"a": "1", "b": "two words", "c": "x=y", "d": ""}
    assert split_header("0|V\\|x|P|1|s|n|3|k=v") == ["0", "V|x", "P", "1", "s", "n", "3", "k=v"]
