"""Rules of the Windows log sources beyond Sysmon and Security fire on events of their channels, as
the channels write them (evtx_dump JSON through the ingest path), and only there."""

from __future__ import annotations

import orjson
import pytest

from cybershield.events import ingest

from .sigma_helpers import detector, rule

# (logsource, channel as written, EventID, EventData as written, the rule's selection)
CASES = [
    ("service: windefend", "Microsoft-Windows-Windows Defender/Operational", 1116,
     {"Threat Name": "HackTool:Win32/Mimikatz.D", "Process Name": "C:\\t\\m.exe"}, "ThreatName|contains: Mimikatz"),
    ("category: ps_script", "Microsoft-Windows-PowerShell/Operational", 4104,
     {"ScriptBlockText": "Invoke-Mimikatz -DumpCreds"}, "ScriptBlockText|contains: Invoke-Mimikatz"),
    ("category: ps_module", "Microsoft-Windows-PowerShell/Operational", 4103,
     {"Payload": "CommandInvocation(Get-ADDefaultDomainPasswordPolicy)"}, "Payload|contains: Get-ADDefault"),
    ("category: ps_classic_start", "Windows PowerShell", 400,
     ["Available", "None", "HostApplication=powershell.exe -enc SQBFAFgA"], "Data|contains: ' -enc '"),
    ("service: applocker", "Microsoft-Windows-AppLocker/EXE and DLL", 8004,
     {"FullFilePath": "%OSDRIVE%\\Users\\x\\evil.exe"}, "FullFilePath|endswith: evil.exe"),
    ("service: wmi", "Microsoft-Windows-WMI-Activity/Operational", 5858,
     {"ResultCode": "0x80041003", "Operation": "Start IWbemServices::ExecQuery"}, "ResultCode: '0x80041003'"),
    ("service: bits-client", "Microsoft-Windows-Bits-Client/Operational", 3,
     {"jobTitle": "updater", "processPath": "C:\\Users\\x\\AppData\\evil.exe"}, "processPath|contains: AppData"),
    ("service: codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational", 3033,
     {"FileNameBuffer": "\\Device\\HarddiskVolume2\\x\\bad.sys"}, "FileNameBuffer|endswith: bad.sys"),
    ("service: taskscheduler", "Microsoft-Windows-TaskScheduler/Operational", 129,
     {"Path": "C:\\Users\\Public\\run.exe", "TaskName": "\\upd"}, "Path|startswith: 'C:\\Users\\Public\\'"),
    ("service: dns-client", "Microsoft-Windows-DNS Client Events/Operational", 3008,
     {"QueryName": "evil.ngrok.io"}, "QueryName|endswith: .ngrok.io"),
    ("service: terminalservices-localsessionmanager", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
     21, {"Address": "203.0.113.9", "User": "CORP\\adm"}, "Address: 203.0.113.9"),
    ("service: firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", 2004,
     {"ApplicationPath": "C:\\Users\\x\\nc.exe", "RuleName": "allow nc"}, "ApplicationPath|endswith: nc.exe"),
    ("service: system", "System", 7045,
     {"ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe"}, "ServiceName: PSEXESVC"),
    ("service: application", "Application", 1000,
     {"Data": "lsass.exe crashed"}, "Data|contains: lsass"),
]


def _evtx_json(channel: str, event_id: int, data: dict | list, record: int) -> dict:
    event_data = {"Data": {"#text": data}} if isinstance(data, list) else data  # unnamed <Data> elements, as evtx renders them
    return {"Event": {"System": {"Provider": {"#attributes": {"Name": channel.split("/")[0]}}, "EventID": event_id,
                                 "EventRecordID": record, "Channel": channel, "Computer": "ws1",
                                 "TimeCreated": {"#attributes": {"SystemTime": "2026-11-02T08:00:00.000000Z"}}},
                      "EventData": event_data}}


@pytest.mark.parametrize(("logsource", "channel", "event_id", "data", "selection"), CASES,
                         ids=[c[0].split(": ")[1] for c in CASES])
def test_log_source_rule_fires_on_its_channel_only(tmp_path, logsource, channel, event_id, data, selection):
    det = detector(tmp_path, rule("R", f"sel:\n  {selection}\ncondition: sel", f"product: windows\n  {logsource}"))
    assert det.failures == []
    events = [_evtx_json(channel, event_id, data, 1),
              _evtx_json("Microsoft-Windows-Sysmon/Operational", event_id, data, 2),  # same payload, other log
              _evtx_json(channel.upper(), event_id, data, 3)]  # channel names compare case-insensitively
    path = tmp_path / "events.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    batches: list = []
    ingest([path], sink=batches.append)
    fired = {e.record_id for b in batches for a in det.detect(b) for e in a.events}
    assert fired == {1, 3}
