"""EvtxECmd's CSV export: each row an event as EvtxECmd's JSON gives it; bad rows quarantined alone."""

from __future__ import annotations

import csv
import io

import orjson

from cybershield.events import sniff
from cybershield.events.parsers.windows_csv import MAX_FIELD

from .ingested import ingested

HEADER = ["RecordNumber", "EventRecordId", "TimeCreated", "EventId", "Level", "Provider", "Channel", "ProcessId",
          "ThreadId", "Computer", "ChunkNumber", "UserId", "MapDescription", "UserName", "RemoteHost", "PayloadData1",
          "PayloadData2", "PayloadData3", "PayloadData4", "PayloadData5", "PayloadData6", "ExecutableInfo",
          "HiddenRecord", "SourceFile", "Keywords", "ExtraDataOffset", "Payload"]


def _row(record_id: int, command_line: str) -> list[str]:
    data = {"RuleName": "-", "UtcTime": "2020-10-15 07:06:53.123", "ProcessId": "4242", "Image": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": command_line, "User": "CORP\\alice", "ParentImage": "C:\\Windows\\explorer.exe"}
    payload = {"EventData": {"Data": [{"@Name": k, "#text": v} for k, v in data.items()]}}
    values = {"RecordNumber": str(record_id), "EventRecordId": str(record_id), "TimeCreated": "2020-10-15 07:06:53.1234567",
              "EventId": "1", "Level": "Info", "Provider": "Microsoft-Windows-Sysmon",
              "Channel": "Microsoft-Windows-Sysmon/Operational", "ProcessId": "3120", "ThreadId": "4000",
              "Computer": "wks-7.corp.example", "MapDescription": "Process creation", "UserName": "CORP\\alice",
              "ExecutableInfo": command_line, "HiddenRecord": "False", "SourceFile": "C:\\Temp\\Sysmon.evtx",
              "Keywords": "Classic", "ExtraDataOffset": "0", "Payload": orjson.dumps(payload).decode()}
    return [values.get(name, "") for name in HEADER]


def _write(path, rows: list[list[str]], prefix: bytes = b"\xef\xbb\xbf") -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(prefix + out.getvalue().encode())


def test_rows_become_windows_events_with_their_payload(tmp_path):
    path = tmp_path / "EvtxECmd_Output.csv"
    script = "powershell -c \"Get-Process\n| Out-File x.txt\""  # a command line over two lines, quotes inside
    _write(path, [_row(9001, "cmd.exe /c whoami"), _row(9002, script)])
    assert sniff(path) == "evtxecmd-csv"
    _, events, quarantine = ingested([path])
    assert not quarantine.entries and [e["winlog.record_id"] for e in events] == [9001, 9002]
    first = events[0]
    assert first["winlog.event_id"] == 1 and first["winlog.channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert first["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and first["host.name"] == "wks-7.corp.example"
    assert first["process.pid"] == 4242 and first["process.command_line"] == "cmd.exe /c whoami"  # the payload's, not the logger's
    assert first["user.name"] == "alice" and first["@timestamp"].isoformat() == "2020-10-15T07:06:53.123456+00:00"
    assert events[1]["process.command_line"] == script


def test_bad_rows_are_quarantined_alone(tmp_path):
    path = tmp_path / "bad.csv"
    short = _row(2, "x")[:5]
    no_event = _row(3, "x")
    no_event[HEADER.index("EventId")] = ""
    no_event[HEADER.index("Channel")] = ""
    huge = _row(5, "y" * (MAX_FIELD + 1))
    _write(path, [_row(1, "a"), short, no_event, _row(4, "b"), huge, _row(6, "c")])
    raw = path.read_bytes().replace(b"\"b\"", b"\"b\xff\"").replace(b",b,", b",b\xff,")  # bytes that are not UTF-8
    path.write_bytes(raw)
    _, events, quarantine = ingested([path])
    assert [e["winlog.record_id"] for e in events] == [1, 6]
    assert [entry.reason for entry in quarantine.entries] == ["malformed-record", "not-a-windows-event", "invalid-utf8",
                                                              "malformed-record"]
