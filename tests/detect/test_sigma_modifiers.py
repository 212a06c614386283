"""Sigma semantics, one modifier or rule of the specification at a time."""

from __future__ import annotations

import base64

import pytest

from .sigma_helpers import detector, fired, rule, sysmon


def one(tmp_path, detection: str, *events: dict, logsource: str | None = None, **kw) -> set[int]:
    """Record ids of the events that a single rule matches."""
    text = rule("R", detection, logsource) if logsource else rule("R", detection)
    return {rid for _, rid in fired(detector(tmp_path, text, **kw), *events)}


@pytest.mark.parametrize(("modifier", "value", "hits"), [
    ("contains", "whoami", {1, 2}),
    ("startswith", "c:\\windows\\system32\\who", {1, 2}),
    ("endswith", "/ALL", {1, 2}),
    ("", "c:\\windows\\system32\\whoami.exe /all", {1, 2}),
])
def test_string_modifiers_are_case_insensitive(tmp_path, modifier, value, hits):
    field = f"CommandLine|{modifier}" if modifier else "CommandLine"
    events = [sysmon(CommandLine="C:\\Windows\\System32\\whoami.exe /all"),
              sysmon(CommandLine="c:\\windows\\system32\\WHOAMI.EXE /ALL"),
              sysmon(CommandLine="C:\\Windows\\System32\\calc.exe")]
    assert one(tmp_path, f"sel:\n  {field}: '{value}'\ncondition: sel", *events) == hits


def test_wildcards_inside_and_escaped(tmp_path):
    events = [sysmon(Image="C:\\tools\\a1b.exe"), sysmon(Image="C:\\tools\\ab.exe"), sysmon(Image="x*y")]
    assert one(tmp_path, "sel:\n  Image: 'c:\\tools\\a?b.exe'\ncondition: sel", *events) == {1}
    assert one(tmp_path / "2", "sel:\n  Image: 'c:\\\\*\\\\a*b.exe'\ncondition: sel", *events) == {1, 2}
    assert one(tmp_path / "3", "sel:\n  Image: 'x\\*y'\ncondition: sel", *events) == {3}


def test_cased_is_case_sensitive(tmp_path):
    events = [sysmon(CommandLine="Invoke-Mimikatz"), sysmon(CommandLine="invoke-mimikatz")]
    assert one(tmp_path, "sel:\n  CommandLine|cased|contains: 'Mimikatz'\ncondition: sel", *events) == {1}


def test_all_needs_every_value(tmp_path):
    events = [sysmon(CommandLine="net user /add evil"), sysmon(CommandLine="net user")]
    det = "sel:\n  CommandLine|contains|all:\n    - 'net'\n    - '/add'\ncondition: sel"
    assert one(tmp_path, det, *events) == {1}


@pytest.mark.parametrize(("regex", "hits"), [
    (": '^C:\\\\Windows'", {1}),
    ("|i: '^c:\\\\windows'", {1, 2}),
    ("|m: '^second'", {3}),
    ("|s: 'first.second'", {3}),
    (": '^(?!C:).*whoami'", {2}),  # look-ahead: Python's re behind the scenes
])
def test_regex_and_its_flags(tmp_path, regex, hits):
    events = [sysmon(CommandLine="C:\\Windows\\whoami"), sysmon(CommandLine="c:\\windows\\whoami"),
              sysmon(CommandLine="first\nsecond")]
    assert one(tmp_path, f"sel:\n  CommandLine|re{regex}\ncondition: sel", *events) == hits


def test_cidr_ipv4_and_ipv6(tmp_path):
    events = [sysmon(3, DestinationIp="10.1.2.3"), sysmon(3, DestinationIp="11.0.0.1"),
              sysmon(3, DestinationIp="fe80::1"), sysmon(3, DestinationIp="not an ip")]
    det = "sel:\n  DestinationIp|cidr:\n    - '10.0.0.0/8'\n    - 'fe80::/10'\ncondition: sel"
    assert one(tmp_path, det, *events, logsource="product: windows\n  category: network_connection") == {1, 3}


def test_base64_and_base64offset(tmp_path):
    plain = base64.b64encode(b"http://evil").decode()
    shifted = base64.b64encode(b"xxhttp://evil").decode()
    events = [sysmon(CommandLine=f"powershell -e {plain}"), sysmon(CommandLine=f"powershell -e {shifted}"),
              sysmon(CommandLine="powershell -e aGVsbG8=")]
    assert one(tmp_path, "sel:\n  CommandLine|base64|contains: 'http://evil'\ncondition: sel", *events) == {1}
    assert one(tmp_path, "sel:\n  CommandLine|base64offset|contains: 'http://evil'\ncondition: sel", *events) == {1, 2}


def test_utf16_wide_base64offset(tmp_path):
    encoded = base64.b64encode("IEX (New-Object".encode("utf-16-le")).decode()
    events = [sysmon(CommandLine=f"powershell -enc {encoded}"), sysmon(CommandLine="powershell -enc SQBFAFgA")]
    det = "sel:\n  CommandLine|wide|base64offset|contains: 'IEX (New-Object'\ncondition: sel"
    assert one(tmp_path, det, *events) == {1}


def test_windash(tmp_path):
    events = [sysmon(CommandLine="ps -enc x"), sysmon(CommandLine="ps /enc x"), sysmon(CommandLine="ps \u2013enc x"),
              sysmon(CommandLine="ps enc x")]
    assert one(tmp_path, "sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel", *events) == {1, 2, 3}


def test_exists(tmp_path):
    events = [sysmon(Image="a", OriginalFileName="b"), sysmon(Image="a")]
    assert one(tmp_path, "sel:\n  OriginalFileName|exists: true\ncondition: sel", *events) == {1}
    assert one(tmp_path, "sel:\n  OriginalFileName|exists: false\ncondition: sel", *events) == {2}


def test_fieldref(tmp_path):
    events = [sysmon(Image="C:\\a.exe", ParentImage="c:\\A.EXE"), sysmon(Image="C:\\a.exe", ParentImage="C:\\b.exe")]
    assert one(tmp_path, "sel:\n  Image|fieldref: ParentImage\ncondition: sel", *events) == {1}


@pytest.mark.parametrize(("modifier", "hits"), [("gt", {3}), ("gte", {2, 3}), ("lt", {1}), ("lte", {1, 2})])
def test_numeric_comparisons(tmp_path, modifier, hits):
    events = [sysmon(4, channel="Security", LogonType=2), sysmon(4, channel="Security", LogonType=3),
              sysmon(4, channel="Security", LogonType="10")]
    det = f"sel:\n  LogonType|{modifier}: 3\ncondition: sel"
    assert one(tmp_path, det, *events, logsource="product: windows\n  service: security") == hits


def test_expand_with_placeholders(tmp_path):
    events = [sysmon(User="CORP\\alice"), sysmon(User="CORP\\mallory")]
    det = "sel:\n  User|expand: '%admins%'\ncondition: sel"
    assert one(tmp_path, det, *events, placeholders={"admins": ["corp\\alice", "corp\\bob"]}) == {1}
    # without a value the placeholder is the wildcard (pySigma's default): the rule loads, any User matches
    unresolved = detector(tmp_path / "b", rule("R", det))
    assert unresolved.failures == []
    assert one(tmp_path / "c", det, *events, sysmon(Image="no user")) == {1, 2}


def test_keywords_search_all_payload_fields(tmp_path):
    events = [sysmon(CommandLine="run mimikatz now"), sysmon(Image="C:\\MIMIKATZ.exe"), sysmon(Image="calc")]
    assert one(tmp_path, "keywords:\n  - 'mimikatz'\ncondition: keywords", *events) == {1, 2}


def test_keywords_in_long_text(tmp_path):
    """Long payload text (the keyword pass first drops the values that hold no keyword) finds the same keywords,
    also after non-ASCII text and in upper case."""
    filler = "Ünïcödé " * 500
    events = [sysmon(ScriptBlockText=filler + "Invoke-MIMIKATZ " + filler), sysmon(ScriptBlockText=filler),
              sysmon(CommandLine="sekurlsa::logonpasswords", ScriptBlockText=filler + "!"),
              sysmon(ScriptBlockText="ä" + filler + "MimiKatz"), sysmon(ScriptBlockText=filler + "mimi katz")]
    assert one(tmp_path, "keywords:\n  - 'mimikatz'\n  - 'sekurlsa::'\ncondition: keywords", *events) == {1, 3, 4}


def test_null_and_empty_values(tmp_path):
    events = [sysmon(Image="a", Description=""), sysmon(Image="a"), sysmon(Image="a", Description="x")]
    assert one(tmp_path, "sel:\n  Description: null\ncondition: sel", *events) == {2}
    assert one(tmp_path, "sel:\n  Description: ''\ncondition: sel", *events) == {1}


def test_numbers_match_numeric_and_text_values(tmp_path):
    events = [sysmon(4, channel="Security", LogonType=3), sysmon(4, channel="Security", LogonType="3"),
              sysmon(4, channel="Security", LogonType=33)]
    assert one(tmp_path, "sel:\n  LogonType: 3\ncondition: sel", *events,
               logsource="product: windows\n  service: security") == {1, 2}


def test_missing_field_does_not_match_a_filter(tmp_path):
    """Two-valued logic: ``not filter`` holds when the filter's field is absent."""
    events = [sysmon(Image="C:\\x\\evil.exe"), sysmon(Image="C:\\x\\evil.exe", User="NT AUTHORITY\\SYSTEM")]
    det = "sel:\n  Image|endswith: '\\evil.exe'\nfilter:\n  User|contains: 'AUTHORI'\ncondition: sel and not filter"
    assert one(tmp_path, det, *events) == {1}


def test_conditions_one_of_all_of_and_parentheses(tmp_path):
    events = [sysmon(Image="a", CommandLine="b"), sysmon(Image="a"), sysmon(CommandLine="b"), sysmon(Image="z")]
    det = "sel_a:\n  Image: a\nsel_b:\n  CommandLine: b\n"
    assert one(tmp_path, det + "condition: 1 of sel_*", *events) == {1, 2, 3}
    assert one(tmp_path / "2", det + "condition: all of sel_*", *events) == {1}
    assert one(tmp_path / "3", det + "condition: not (sel_a or sel_b)", *events) == {4}


def test_integer_and_boolean_columns_match_as_text(tmp_path):
    """Integer and boolean columns are read as their text: digits a needle can hold match, letters never do."""
    events = [sysmon(ProcessId=1234, Signed=True, Image="a"), sysmon(ProcessId=4321, Signed=False, Image="b"),
              sysmon(ProcessId=77, Signed=True, Image="c")]
    assert one(tmp_path, "sel:\n  ProcessId|contains: '23'\ncondition: sel", *events) == {1}
    assert one(tmp_path / "2", "sel:\n  ProcessId|endswith: '1'\ncondition: sel", *events) == {2}
    assert one(tmp_path / "3", "sel:\n  ProcessId|contains: 'x'\ncondition: sel", *events) == set()
    assert one(tmp_path / "4", "sel:\n  Signed: 'true'\ncondition: sel", *events) == {1, 3}
    assert one(tmp_path / "5", "sel:\n  Signed|startswith: 'fal'\ncondition: sel", *events) == {2}
    assert one(tmp_path / "6", "keywords:\n  - '432'\ncondition: keywords", *events) == {2}
    assert one(tmp_path / "7", "sel:\n  ProcessId|re: '^\\d{2}$'\ncondition: sel", *events) == {3}


def test_regex_after_a_needle_and_regex_alone(tmp_path):
    """A regular expression is decided only where the rule is still in play, with the same answers."""
    events = [sysmon(Image="C:\\w\\cmd.exe", CommandLine="cmd /c whoami"), sysmon(Image="C:\\w\\pwsh.exe", CommandLine="whoami"),
              sysmon(Image="C:\\w\\cmd.exe", CommandLine="cmd /c dir"), sysmon(Image="C:\\w\\calc.exe", CommandLine="xyz")]
    both = "sel:\n  Image|endswith: '\\cmd.exe'\n  CommandLine|re: 'who.mi'\ncondition: sel"
    assert one(tmp_path, both, *events) == {1}
    assert one(tmp_path / "2", "sel:\n  CommandLine|re: 'who.mi$'\ncondition: sel", *events) == {1, 2}
    negated = "sel:\n  Image|endswith: '\\cmd.exe'\nfilter:\n  CommandLine|re: 'dir$'\ncondition: sel and not filter"
    assert one(tmp_path / "3", negated, *events) == {1}
    assert one(tmp_path / "4", "filter:\n  CommandLine|re: 'o'\ncondition: not filter", *events) == {3, 4}


def test_cidr_range_edges(tmp_path):
    events = [sysmon(3, DestinationIp="10.255.255.255"), sysmon(3, DestinationIp="11.0.0.0"),
              sysmon(3, DestinationIp="::ffff:10.0.0.1"), sysmon(3, DestinationIp=" 10.0.0.0 "),
              sysmon(3, DestinationIp="febf:ffff::1"), sysmon(3, DestinationIp="fec0::1")]
    det = "sel:\n  DestinationIp|cidr:\n    - '10.0.0.0/8'\n    - 'fe80::/10'\ncondition: sel"
    assert one(tmp_path, det, *events, logsource="product: windows\n  category: network_connection") == {1, 4, 5}
