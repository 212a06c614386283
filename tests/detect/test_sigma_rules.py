"""Loading rule collections (bad rules reported, never fatal), log source dispatch, alerts."""

from __future__ import annotations

from .sigma_helpers import SYSMON, batch, detector, fired, rule, sysmon


def test_bad_rules_are_reported_with_reasons_and_the_rest_load(tmp_path):
    good = rule("Good", "sel:\n  Image|endswith: '\\evil.exe'\ncondition: sel")
    bad_modifier = rule("Bad modifier", "sel:\n  Image|nosuchmodifier: x\ncondition: sel")
    bad_condition = rule("Bad condition", "sel:\n  Image: x\ncondition: sel and (", rule_id="11111111-1111-4111-8111-111111111111")
    det = detector(tmp_path, good, bad_modifier, bad_condition, "title: [unclosed\n", "just: a mapping\n",
                   "\xff not yaml: : :")
    assert [r.title for r in det.rules] == ["Good", "Good"]  # Sysmon and Security variants
    reasons = {f.title or f.source.rsplit("/", 1)[-1]: f.reason for f in det.failures}
    assert "nosuchmodifier" in reasons["Bad modifier"]
    assert "Bad condition" in reasons and reasons["Bad condition"]
    assert len(det.failures) == 5
    assert all(f.reason for f in det.failures)
    assert fired(det, sysmon(Image="C:\\evil.exe")) == {("Good", 1)}


def test_unreadable_and_oversized_rule_files(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "huge.yml").write_text("title: x\n" + "#" * (1024 * 1024 + 10))
    (folder / "binary.yml").write_bytes(b"\x00\xff\xfe")
    det = detector(tmp_path, rule("Fine", "sel:\n  Image: a\ncondition: sel"))
    assert {f.source.rsplit("/", 1)[-1] for f in det.failures} == {"huge.yml", "binary.yml"}
    assert det.describe()["rules_loaded"] == 1


def test_process_creation_sees_sysmon_1_and_security_4688_only(tmp_path):
    det = detector(tmp_path, rule("Whoami", "sel:\n  Image|endswith: '\\whoami.exe'\n  ParentImage|endswith: '\\cmd.exe'\n"
                                            "condition: sel"))
    events = [
        sysmon(1, Image="C:\\whoami.exe", ParentImage="C:\\cmd.exe"),
        sysmon(4688, channel="Security", NewProcessName="C:\\whoami.exe", ParentProcessName="C:\\cmd.exe"),
        sysmon(3, Image="C:\\whoami.exe", ParentImage="C:\\cmd.exe"),  # network connection: not this log source
        sysmon(1, channel="Security", Image="C:\\whoami.exe", ParentImage="C:\\cmd.exe"),  # EID 1 in Security
        sysmon(4688, channel="Security", Image="C:\\whoami.exe", ParentImage="C:\\cmd.exe"),  # 4688 uses other names
    ]
    assert fired(det, *events) == {("Whoami", 1), ("Whoami", 2)}


def test_service_rules_dispatch_on_channel_case_insensitively(tmp_path):
    det = detector(tmp_path, rule("Log cleared", "sel:\n  EventID: 1102\ncondition: sel",
                                  logsource="product: windows\n  service: security"))
    events = [sysmon(1102, channel="Security"), sysmon(1102, channel="security"), sysmon(1102, channel=SYSMON)]
    assert fired(det, *events) == {("Log cleared", 1), ("Log cleared", 2)}


def test_alert_carries_rule_techniques_and_provenance(tmp_path):
    det = detector(tmp_path, rule("T", "sel:\n  Image: a\ncondition: sel"))
    alerts = det.detect(batch(sysmon(Image="A"), source="x.evtx"))
    assert len(alerts) == 1
    doc = alerts[0].to_document()
    assert doc["rule"]["title"] == "T" and doc["rule"]["level"] == "high"
    assert doc["event"]["provenance"] == {"source": "x.evtx", "record_id": 1}
    assert doc["threat"]["technique"]["id"] == ["T1059.001"]


def test_rules_for_other_products_are_refused_with_the_reason(tmp_path):
    """A Zeek rule that fires where a field is *not* some value would otherwise fire on every Windows event."""
    zeek_rdp = rule("Public RDP", "sel:\n  id.resp_p: 3389\nprivate:\n  id.orig_h|cidr: '10.0.0.0/8'\n"
                                  "condition: sel and not private", logsource="product: zeek\n  service: rdp")
    linux = rule("Linux whoami", "sel:\n  Image|endswith: '/whoami'\ncondition: sel",
                 logsource="product: linux\n  category: process_creation")
    keywords = rule("Any log", "keywords:\n  - mimikatz\ncondition: keywords", logsource="category: antivirus")
    windows = rule("Whoami", "sel:\n  Image|endswith: 'whoami'\ncondition: sel")
    det = detector(tmp_path, zeek_rdp, linux, keywords, windows)
    assert {r.title for r in det.rules} == {"Whoami"}
    reasons = {f.title: f.reason for f in det.failures}
    assert reasons == {"Public RDP": "log source zeek/rdp/-: not a Windows event log (the Sigma engine reads Windows event logs)",
                       "Linux whoami": "log source linux/-/process_creation: not a Windows event log (the Sigma engine reads Windows event logs)",
                       "Any log": "log source -/-/antivirus: not a Windows event log (the Sigma engine reads Windows event logs)"}
    assert fired(det, sysmon(Image="/usr/bin/whoami", CommandLine="mimikatz"), sysmon(3)) == {("Whoami", 1)}


def test_a_rule_without_channel_or_event_id_reads_windows_events_only(tmp_path):
    """``product: windows`` and nothing else (SigmaHQ's Mimikatz keywords) meets every Windows event, and
    no event of another source (no channel, no EventID) in the same batch, whose fields are all absent."""
    det = detector(tmp_path, rule("Not evil", "sel:\n  Image|endswith: '\\evil.exe'\ncondition: not sel",
                                  logsource="product: windows"))
    assert [(r.channels, r.event_ids) for r in det.rules] == [(None, None)]
    zeek = {"event.module": "zeek", "source.ip": "10.0.0.1", "destination.port": 3389}
    assert fired(det, sysmon(Image="C:\\good.exe"), zeek, sysmon(4624, channel="Security"),
                 sysmon(Image="C:\\evil.exe")) == {("Not evil", 1), ("Not evil", 3)}
