"""Windows events as XML (Get-WinEvent's ToXml, wevtutil /f:xml, Event Viewer's "Save as XML"):
the same events as binary EVTX, and every bad piece quarantined with its reason."""

from __future__ import annotations

import re

import evtx

from cybershield.events import sniff
from cybershield.events.parsers.windows_xml import MAX_EVENT_XML

from .ingested import ingested

NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'


def _event(record_id: int, command_line: str = "whoami /all") -> str:
    return (f'<Event {NS}><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{{5770385f-c22a-43e0-bf4c-06f5698ffbd9}}"/>'
            f"<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode>"
            f"<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime=\"2024-03-01T10:00:0{record_id % 10}.1234567Z\"/>"
            f"<EventRecordID>{record_id}</EventRecordID><Execution ProcessID=\"3120\" ThreadID=\"4000\"/>"
            f"<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>wks-7.corp.example</Computer>"
            f'<Security UserID="S-1-5-18"/></System><EventData><Data Name="RuleName">-</Data>'
            f'<Data Name="ProcessId">4242</Data><Data Name="Image">C:\\Windows\\System32\\whoami.exe</Data>'
            f'<Data Name="CommandLine">{command_line}</Data><Data Name="User">CORP\\alice</Data>'
            f'<Data Name="Hashes">SHA256=AB12</Data><Data Name="ParentImage"></Data></EventData></Event>')


def test_one_event_per_line_as_wevtutil_writes_them(tmp_path):
    path = tmp_path / "security.xml"
    path.write_text("\n".join(_event(i) for i in range(1, 4)) + "\n", encoding="utf-8")
    assert sniff(path) == "evtx-xml"
    _, events, quarantine = ingested([path])
    assert not quarantine.entries and [e["winlog.record_id"] for e in events] == [1, 2, 3]
    event = events[0]
    assert event["winlog.event_id"] == 1 and event["winlog.channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert event["winlog.provider_name"] == "Microsoft-Windows-Sysmon" and event["host.name"] == "wks-7.corp.example"
    assert event["process.executable"] == "C:\\Windows\\System32\\whoami.exe" and event["process.pid"] == 4242
    assert event["process.command_line"] == "whoami /all" and event["user.name"] == "alice"
    assert event["file.hash.sha256"] == "ab12" and event["winlog.event_data.ParentImage"] == ""
    assert event["winlog.process.pid"] == 3120 and event["winlog.user.identifier"] == "S-1-5-18"
    assert event["@timestamp"].isoformat() == "2024-03-01T10:00:01.123456+00:00"


def test_event_viewer_save_as_xml_pretty_printed_in_an_events_element(tmp_path):
    body = "\n".join(_event(i).replace("><", ">\n    <") for i in (7, 8))
    path = tmp_path / "saved.xml"
    path.write_text(f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>\n{body}\n</Events>\n', encoding="utf-8")
    assert sniff(path) == "evtx-xml"
    _, events, quarantine = ingested([path])
    assert not quarantine.entries and [e["winlog.record_id"] for e in events] == [7, 8]
    assert events[1]["winlog.event_data.CommandLine"] == "whoami /all"


def test_bad_pieces_are_quarantined_and_their_neighbours_read(tmp_path):
    bomb = ('<!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
            + _event(3, "&b;"))
    huge = _event(5, "x" * (MAX_EVENT_XML + 10))
    cut = _event(9)[:200]
    pieces = [_event(1), _event(2).replace("</System>", "</Sys>"), bomb, _event(4), huge, _event(6),
              "stray text", _event(7, "control \x02 char"), cut]
    path = tmp_path / "mixed.xml"
    path.write_text("\n".join(pieces), encoding="utf-8")
    _, events, quarantine = ingested([path])
    assert [e["winlog.record_id"] for e in events] == [1, 4, 6, 7]
    assert events[-1]["process.command_line"] == "control \ufffd char"  # one forbidden byte does not cost the event
    reasons = [entry.reason for entry in quarantine.entries]
    assert reasons == ["invalid-xml", "not-an-event", "invalid-xml", "too-large", "not-an-event", "invalid-xml"]
    assert all("&a;" not in (e.get("process.command_line") or "") for e in events) and "aaaaaaaaaa" not in str(events)


def test_same_events_as_binary_evtx_on_every_shared_sample(shared_data, tmp_path):
    """Each sample's records rendered as XML by the evtx package read as the binary file reads; but
    for what XML itself changes (line ends, event data as text, control characters) and evtx's
    pretty-printing (whitespace at the end of a value, namespace declarations)."""
    compared = 0
    for path in sorted((shared_data / "evtx-attack-samples").rglob("*.evtx")):
        xml = tmp_path / f"{path.stem}.xml"
        xml.write_text("\n".join(r["data"] for r in evtx.PyEvtxParser(str(path)).records()), encoding="utf-8")
        _, binary, _ = ingested([path])
        _, rendered, quarantine = ingested([xml])
        assert not quarantine.entries, (path.name, quarantine.entries[:1])
        assert len(rendered) == len(binary), path.name
        key = "event.provenance.record_id"
        for a, b in zip(sorted(binary, key=lambda e: e[key]), sorted(rendered, key=lambda e: e[key]), strict=True):
            names = {n for n in a.keys() | b.keys() if n not in ("event.provenance.source", "event.ingested")
                     and ".#attributes.xmlns" not in n}
            assert {n: _plain(a.get(n)) for n in names} == {n: _plain(b.get(n)) for n in names}, (path.name, a[key])
            compared += 1
    assert compared > 5000


def _plain(value: object) -> object:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        value = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", value)  # what XML 1.0 cannot hold
        return value.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return value if value is None else str(value)
