"""The shapes real collectors write, each on a small sample in that shape: flat Windows JSON
without Sysmon's UtcTime, Azure Log Analytics / Sentinel exports, Corelight/Kafka Zeek JSON, Zeek
logs under prefixed file names, and Windows event data names with spaces."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from cybershield.events import sniff

from .ingested import ingested


def _events(tmp_path, name: str, records: list[dict]) -> list[dict]:
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    summary, events, _ = ingested([path])
    assert summary.quarantined == 0, summary.as_dict()
    return events


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_flat_windows_json_takes_time_from_timestamp_or_time_created(tmp_path):
    records = [  # a Security event as OTRF/Mordor ship them: @timestamp, no UtcTime
        {"@timestamp": "2020-05-02T03:11:52.112Z", "EventID": 4624, "Channel": "Security", "Hostname": "WORKSTATION5",
         "TargetUserName": "pgustavo", "LogonType": 3, "EventTime": "2020-05-01 23:11:52"},
        {"TimeCreated": "2020-05-02T03:12:00Z", "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
         "ScriptBlockText": "Get-Process"},
        {"TimeCreated": "/Date(1588389125000)/", "EventID": 7045, "Channel": "System", "ServiceName": "psexesvc"},
        {"EventTime": "2020-05-02 03:13:00", "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
         "UtcTime": "2020-05-02 03:12:59.500"},
    ]
    events = _events(tmp_path, "mordor.json", records)
    assert [e["@timestamp"] for e in events] == [_utc("2020-05-02T03:11:52.112"), _utc("2020-05-02T03:12:00"),
                                                 _utc("2020-05-02T03:12:05"), _utc("2020-05-02T03:12:59.500")]
    assert events[0]["user.name"] == "pgustavo" and events[0]["host.name"] == "WORKSTATION5"


def test_azure_log_analytics_export_is_unpacked(tmp_path):
    data = {"Image": "C:\\Windows\\System32\\rundll32.exe", "CommandLine": "rundll32.exe comsvcs.dll, MiniDump 624",
            "ParentImage": "C:\\Windows\\explorer.exe", "User": "CONTOSO\\adm-joe"}
    records = [{"TimeGenerated": "2023-03-01T10:00:00.123Z", "Computer": "srv-01.contoso.com", "EventID": 1,
                "EventLog": "Microsoft-Windows-Sysmon/Operational", "Source": "Microsoft-Windows-Sysmon",
                "EventData": orjson.dumps(data).decode(), "RenderedDescription": "Process Create"}]
    event = _events(tmp_path, "sentinel_export.json", records)[0]
    assert event["winlog.channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon"
    assert event["winlog.event_data.Image"] == data["Image"]
    assert event["process.command_line"] == data["CommandLine"] and event["user.name"] == "adm-joe"
    assert event["@timestamp"] == _utc("2023-03-01T10:00:00.123")


def test_an_event_data_field_named_event_is_not_the_evtx_envelope(tmp_path):
    records = [{"EventID": 226, "Channel": "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
                "Event": 43, "UtcTime": "2019-01-01 00:00:00"}]
    event = _events(tmp_path, "rdp.json", records)[0]
    assert event["winlog.event_id"] == 226 and event["winlog.event_data.Event"] == 43


def test_event_data_names_with_spaces_are_also_spaceless(tmp_path):
    records = [{"EventID": 1116, "Channel": "Microsoft-Windows-Windows Defender/Operational",
                "Threat Name": "HackTool:Win32/Mimikatz", "Process Name": "C:\\t\\m.exe", "ThreatID": 1}]
    event = _events(tmp_path, "defender.json", records)[0]
    assert event["winlog.event_data.ThreatName"] == event["winlog.event_data.Threat Name"] == "HackTool:Win32/Mimikatz"
    assert event["winlog.event_data.ProcessName"] == "C:\\t\\m.exe"


def test_corelight_kafka_zeek_json(tmp_path):
    records = [{"@stream": "conn", "@system": "sensor-ny-1", "_write_ts": "2021-01-01T00:00:01Z", "ts": 1609459200.5,
                "uid": "C1", "id_orig_h": "10.0.0.5", "id_orig_p": 49152, "id_resp_h": "93.184.216.34", "id_resp_p": 443,
                "proto": "tcp", "orig_bytes": 100},
               {"@stream": "dns", "@system": "sensor-ny-1", "ts": 1609459201.0, "uid": "C2", "id_orig_h": "10.0.0.5",
                "id_orig_p": 5353, "id_resp_h": "10.0.0.1", "id_resp_p": 53, "proto": "udp", "query": "example.org"}]
    events = _events(tmp_path, "kafka-topic-0001.json", records)
    assert [e["event.dataset"] for e in events] == ["zeek.conn", "zeek.dns"]
    assert [(e["source.ip"], e["destination.ip"], e["destination.port"]) for e in events] == [
        ("10.0.0.5", "93.184.216.34", 443), ("10.0.0.5", "10.0.0.1", 53)]
    assert events[0]["source.bytes"] == 100 and events[1]["dns.question.name"] == "example.org"


def test_zeek_recognised_by_content_whatever_the_file_name(tmp_path):
    scripts = [{"name": "/opt/zeek/share/zeek/base/init-bare.zeek"}, {"name": "/opt/zeek/share/zeek/base/utils/site.zeek"}]
    events = _events(tmp_path, "NEWYORK_loaded_scripts.log", scripts)
    assert len(events) == 2 and {e["event.dataset"] for e in events} == {"zeek.loaded_scripts"}
    conn = [{"ts": 1.0, "uid": "C1", "id.orig_h": "10.1.1.1", "id.orig_p": 1, "id.resp_h": "10.1.1.2", "id.resp_p": 22}]
    for name in ("capture-0001.txt.json", "site_a-conn.log"):
        (tmp_path / name).write_bytes(orjson.dumps(conn[0]) + b"\n")
        assert sniff(tmp_path / name) == "zeek-json"
    assert _events(tmp_path, "site_a-conn.log", conn)[0]["event.dataset"] == "zeek.conn"


_SYSMON_DATA = {"RuleName": "-", "UtcTime": "2020-10-15 07:06:53.123", "ProcessId": "4242",
                "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami",
                "User": "CORP\\alice", "ParentImage": "C:\\Windows\\explorer.exe"}


def _same_process_event(event: dict) -> None:
    assert event["winlog.event_id"] == 1 and event["event.code"] == "1"
    assert event["winlog.channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert event["host.name"] == "wks-7.corp.example"
    assert event["winlog.event_data.CommandLine"] == "cmd.exe /c whoami"
    assert event["process.executable"] == "C:\\Windows\\System32\\cmd.exe" and event["process.pid"] == 4242
    assert event["user.name"] == "alice" and event["user.domain"] == "CORP"


def test_velociraptor_evtx_records_without_the_event_envelope(tmp_path):
    record = {"System": {"Provider": {"Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"},
                         "EventID": {"Value": 1}, "Version": 5, "Level": 4, "Task": 1, "Opcode": 0,
                         "TimeCreated": {"SystemTime": 1602745613.5}, "EventRecordID": 9001,
                         "Execution": {"ProcessID": 3120, "ThreadID": 4000},
                         "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "wks-7.corp.example",
                         "Security": {"UserID": "S-1-5-18"}},
              "EventData": _SYSMON_DATA, "Message": "Process Create"}
    event = _events(tmp_path, "velociraptor.json", [record])[0]
    _same_process_event(event)
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and event["winlog.record_id"] == 9001
    assert event["@timestamp"] == _utc("2020-10-15T07:06:53.500")
    assert event["winlog.process.pid"] == 3120 and event["winlog.user.identifier"] == "S-1-5-18"


def test_xmltodict_records_keep_the_data_names(tmp_path):
    """python-evtx + xmltodict: attributes as ``@Name``, each <Data> as {"@Name": …, "#text": …}."""
    record = {"Event": {"@xmlns": "http://schemas.microsoft.com/win/2004/08/events/event",
                        "System": {"Provider": {"@Name": "Microsoft-Windows-Sysmon"}, "EventID": "1",
                                   "TimeCreated": {"@SystemTime": "2020-10-15T07:06:53.1234567Z"},
                                   "EventRecordID": "9002", "Channel": "Microsoft-Windows-Sysmon/Operational",
                                   "Computer": "wks-7.corp.example", "Execution": {"@ProcessID": "3120", "@ThreadID": "4000"}},
                        "EventData": {"Data": [{"@Name": k, "#text": v} for k, v in _SYSMON_DATA.items()]}}}
    event = _events(tmp_path, "xmltodict.json", [record])[0]
    _same_process_event(event)
    assert "winlog.event_data.Data0" not in event
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and event["winlog.record_id"] == 9002
    assert event["@timestamp"] == _utc("2020-10-15T07:06:53.123456")
    one = {"Event": {"System": {"EventID": "4688", "Channel": "Security", "Computer": "dc-1"},
                     "EventData": {"Data": {"@Name": "NewProcessName", "#text": "C:\\x.exe"}}}}
    assert _events(tmp_path, "one_data.json", [one])[0]["process.executable"] == "C:\\x.exe"
    bare = {"Event": {"System": {**record["Event"]["System"], "EventID": "4", "Channel": "System"}}}  # no EventData
    event = _events(tmp_path, "bare.json", [bare] * 3)[0]  # a block the columnar path could have taken
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and event["winlog.process.pid"] == "3120"
    assert event["@timestamp"] == _utc("2020-10-15T07:06:53.123456")


def test_evtxecmd_records_unpack_their_payload(tmp_path):
    payload = {"EventData": {"Data": [{"@Name": k, "#text": v} for k, v in _SYSMON_DATA.items()]}}
    record = {"PayloadData1": "ProcessID: 4242", "ExecutableInfo": "cmd.exe /c whoami", "MapDescription": "Process creation",
              "ChunkNumber": 3, "Computer": "wks-7.corp.example", "Payload": orjson.dumps(payload).decode(),
              "Channel": "Microsoft-Windows-Sysmon/Operational", "Provider": "Microsoft-Windows-Sysmon", "EventId": 1,
              "EventRecordId": "9003", "ProcessId": 3120, "ThreadId": 4000, "Level": "Info",
              "TimeCreated": "2020-10-15T07:06:53.1234567+00:00", "RecordNumber": 9003}
    event = _events(tmp_path, "evtxecmd.json", [record])[0]
    _same_process_event(event)
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and event["winlog.record_id"] == 9003
    assert event["@timestamp"] == _utc("2020-10-15T07:06:53.123456")


def test_elasticsearch_hits_of_winlogbeat_documents(tmp_path):
    document = {"@timestamp": "2020-10-15T07:06:53.123Z", "host": {"name": "wks-7.corp.example"},
                "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                           "provider_name": "Microsoft-Windows-Sysmon", "record_id": 9004, "event_data": _SYSMON_DATA}}
    hits = [{"_index": "winlogbeat-2020.10.15", "_id": "a1", "_score": 1.0, "_source": document}]
    assert sniff(_write(tmp_path / "hits.json", hits)) == "evtx-json"
    event = _events(tmp_path, "hits.json", hits)[0]
    _same_process_event(event)
    assert event["@timestamp"] == _utc("2020-10-15T07:06:53.123") and "_index" not in event
    zeek_hit = [{"_index": "zeek-conn", "_id": "b", "_source": {"ts": 1.0, "uid": "C1", "id.orig_h": "10.0.0.1"}}]
    assert sniff(_write(tmp_path / "zeek_hits.json", zeek_hit)) is None  # not read as if it were bare Zeek JSON


def _write(path, records: list[dict]):
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path
