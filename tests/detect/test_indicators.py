"""Indicator matching: every kind, STIX patterns through stix2-matcher, expiry and revocation, hostile
indicators, file loaders, real shared data, and a reload while batches are in flight."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from cybershield.detect import Detector, IndicatorDetector, load_indicator_files
from cybershield.detect.indicators.index import ValueIndex
from cybershield.events import ECS_SCHEMA, BatchBuilder, concat, ingest

WHEN = datetime(2024, 7, 1, tzinfo=UTC)


def ind(n: int, pattern: str, **extra) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
            "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "pattern": pattern,
            "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", **extra}


def batch(rows: list[dict], when: datetime = WHEN) -> pa.Table:
    builder = BatchBuilder()
    for n, row in enumerate(rows, start=1):
        builder.add("test.log", n, {"@timestamp": when, **row})
    return builder.flush()


def hits(detector, table) -> set[tuple[int, int]]:
    """(indicator number, record id) of every alert."""
    return {(int(a.rule_id[-12:]), e.record_id) for a in detector.detect(table) for e in a.events}


def test_is_a_detector():
    detector = IndicatorDetector([ind(1, "[ipv4-addr:value = '192.0.2.1']")])
    assert isinstance(detector, Detector)
    assert detector.kind == "indicator" and detector.finish() == []
    assert detector.describe()["indicators"] == 1


def test_accepts_stix2_library_objects():
    import stix2

    made = stix2.Indicator(pattern="[domain-name:value = 'evil.example']", pattern_type="stix",
                           valid_from="2024-01-01T00:00:00Z", valid_until="2024-06-01T00:00:00Z")
    detector = IndicatorDetector([made])
    assert detector.describe()["indicators"] == 1
    table = batch([{"dns.question.name": "evil.example"}], datetime(2024, 5, 1, tzinfo=UTC))
    assert [a.rule_id for a in detector.detect(table)] == [made.id]
    assert detector.detect(batch([{"dns.question.name": "evil.example"}])) == []  # WHEN is past valid_until


def test_addresses_exact_cidr_nested_and_ipv6():
    detector = IndicatorDetector([
        ind(1, "[ipv4-addr:value = '198.51.100.7']"),
        ind(2, "[ipv4-addr:value = '203.0.113.0/24']"),
        ind(3, "[ipv4-addr:value ISSUBSET '203.0.0.0/16']"),
        ind(4, "[ipv6-addr:value = '2001:db8::/32']"),
        ind(5, "[ipv6-addr:value = '2001:db8:0:0::1']"),
    ])
    table = batch([
        {"source.ip": "198.51.100.7"}, {"destination.ip": "203.0.113.77"}, {"destination.ip": "203.0.1.1"},
        {"source.ip": "2001:db8::1"}, {"source.ip": "198.51.100.8"}, {"source.ip": "2001:db9::1"},
        {"source.ip": "not-an-ip"}, {"source.ip": "999.1.1.1"},
    ])
    assert hits(detector, table) == {(1, 1), (2, 2), (3, 2), (3, 3), (4, 4), (5, 4)}


def test_domains_match_themselves_and_subdomains_only():
    detector = IndicatorDetector([ind(1, "[domain-name:value = 'Evil.Example.']")])
    table = batch([
        {"dns.question.name": "evil.example"}, {"dns.question.name": "a.b.EVIL.example."},
        {"url.domain": "x.evil.example"}, {"tls.client.server_name": "cdn.evil.example"},
        {"dns.question.name": "notevil.example"}, {"dns.question.name": "evil.example.org"},
        {"dns.question.name": "example"},
    ])
    assert hits(detector, table) == {(1, 1), (1, 2), (1, 3), (1, 4)}


def test_urls_hashes_emails_ja3_ja4():
    sha = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
    ja4 = "t13d1516h2_8daaf6152771_b0da82dd1658"
    detector = IndicatorDetector([
        ind(1, "[url:value = 'HTTP://Bad.Example:80/dl?id=1']"),
        ind(2, f"[file:hashes.'SHA-256' = '{sha}' OR file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
        ind(3, "[email-addr:value = 'ceo@phish.example']"),
        ind(4, "[x-ja3:value = 'e7d705a3286e19ea42f587b344ee6865']"),
        ind(5, f"[x-ja4:value = '{ja4}']"),
        ind(6, "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"),
    ])
    table = batch([
        {"url.original": "http://bad.example/dl?id=1#top"}, {"url.original": "http://bad.example/dl?id=2"},
        {"file.hash.sha256": sha.lower()}, {"file.hash.md5": "D41D8CD98F00B204E9800998ECF8427E"},
        {"email.to.address": "a@b.example,ceo@phish.example"}, {"email.from.address": "ceo@phish.example.org"},
        {"tls.client.ja3": "e7d705a3286e19ea42f587b344ee6865"}, {"zeek.ssl.ja4": ja4},
        {"file.hash.sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    ])
    assert hits(detector, table) == {(1, 1), (2, 3), (2, 4), (3, 5), (4, 7), (5, 8), (6, 9)}


def test_alert_names_indicator_field_value_and_attack():
    detector = IndicatorDetector([ind(1, "[domain-name:value = 'evil.example']", name="C2 domain",
                                      labels=["attack.t1071.004", "T1001", 'misp-galaxy:mitre-attack-pattern='
                                              '"Phishing - T1566"', 'misp-galaxy:mitre-course-of-action="X - T1087"',
                                              "ransom T1234"], confidence=50,
                                      kill_chain_phases=[{"kill_chain_name": "mitre-attack",
                                                          "phase_name": "command-and-control"}])])
    [alert] = detector.detect(batch([{"dns.question.name": "c2.evil.example"}]))
    assert alert.kind == "indicator" and alert.rule_title == "C2 domain" and alert.level == "medium"
    assert alert.techniques == ["T1001", "T1071.004", "T1566"]
    assert alert.context["indicator"]["pattern"] == "[domain-name:value = 'evil.example']"
    assert alert.context["matched"] == {"field": "dns.question.name", "value": "c2.evil.example",
                                        "kind": "domain", "indicator_value": "evil.example"}
    assert alert.events[0].source == "test.log" and alert.events[0].record_id == 1
    assert alert.to_document()["rule"]["id"] == alert.rule_id


def test_complex_patterns_go_through_stix2_matcher():
    detector = IndicatorDetector([
        ind(1, "[domain-name:value LIKE '%.dga.example']"),
        ind(2, "[file:name = 'evil.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
        ind(3, "[network-traffic:dst_ref.value = '192.0.2.9' AND network-traffic:dst_port = 4444]"),
        ind(4, "[domain-name:value = 'stage1.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.50']"),
        ind(5, "[process:command_line MATCHES '(?i)mimikatz']"),
    ])
    assert detector.describe()["complex_patterns"] == 5
    table = batch([
        {"dns.question.name": "abc123.dga.example"}, {"dns.question.name": "dga.example.org"},
        {"file.name": "evil.exe", "file.hash.md5": "d41d8cd98f00b204e9800998ecf8427e"},
        {"file.name": "good.exe", "file.hash.md5": "d41d8cd98f00b204e9800998ecf8427e"},
        {"destination.ip": "192.0.2.9", "destination.port": 4444},
        {"destination.ip": "192.0.2.9", "destination.port": 443},
        {"dns.question.name": "stage1.example"}, {"destination.ip": "192.0.2.50"},
        {"process.command_line": "C:\\tools\\MimiKatz.exe sekurlsa::logonpasswords"},
    ])
    found = hits(detector, table)
    assert {(1, 1), (2, 3), (3, 5), (4, 7), (4, 8), (5, 9)} == found
    followed = [a for a in detector.detect(table) if a.rule_id.endswith("4")]
    assert len(followed) == 1 and [e.record_id for e in followed[0].events] == [7, 8]


def test_complex_patterns_see_only_candidates_once_per_distinct_value():
    """LIKE is prefiltered vectorised (good.example never reaches the matcher); the matcher then runs
    once per distinct domain, and each matching event still gets its alert."""
    detector = IndicatorDetector([ind(1, "[domain-name:value LIKE '%.dga.example']")])
    names = ["a.dga.example", "b.dga.example", "good.example"]
    alerts = detector.detect(batch([{"dns.question.name": names[n % 3]} for n in range(900)]))
    assert len(alerts) == 600 and all(len(a.events) == 1 for a in alerts)
    assert detector.describe()["matcher_runs"] == 2


def test_expiry_follows_event_time_and_revoked_never_match():
    detector = IndicatorDetector([
        ind(1, "[ipv4-addr:value = '192.0.2.1']", valid_until="2024-06-01T00:00:00Z"),
        ind(2, "[ipv4-addr:value = '192.0.2.2']", revoked=True),
        ind(3, "[ipv4-addr:value = '192.0.2.3']"),
        ind(3, "[ipv4-addr:value = '192.0.2.3']", modified="2024-02-01T00:00:00Z", revoked=True),
        ind(4, "[ipv4-addr:value = '192.0.2.4']"),
        ind(4, "[ipv4-addr:value = '192.0.2.44']", modified="2024-03-01T00:00:00Z"),
    ])
    rows = [{"source.ip": f"192.0.2.{n}"} for n in (1, 2, 3, 4, 44)]
    assert hits(detector, batch(rows, datetime(2024, 5, 1, tzinfo=UTC))) == {(1, 1), (4, 5)}
    assert hits(detector, batch(rows, datetime(2024, 7, 1, tzinfo=UTC))) == {(4, 5)}
    assert detector.describe()["revoked"] == 2


def test_hostile_indicators_are_rejected_with_reasons_and_counted():
    good = ind(1, "[ipv4-addr:value = '192.0.2.1']")
    bad = [
        ind(2, "[ipv4-addr:value = '10.0.0.0/33']"), ind(3, "[ipv4-addr:value = 'junk']"),
        ind(4, "[domain-name:value = 'com']"), ind(5, "[file:hashes.MD5 = 'xyz']"),
        ind(6, "[ipv4-addr:value = '1.2.3.4'"), ind(7, "x" * 70_000), ind(8, "DROP TABLE; --"),
        ind(9, "rule x { condition: true }", pattern_type="yara"), ind(10, "[url:value = 'no-scheme']"),
        ind(11, "[ipv4-addr:value = '192.0.2.9']", valid_until="tomorrow"), ind(12, ""),
        ind(13, "[email-addr:value = 'not an email']"), ind(14, "[" * 5000 + "]" * 5000),
        {"type": "indicator", "id": 42, "pattern": "[ipv4-addr:value = '1.1.1.1']"}, "not a dict", None,
    ]
    detector = IndicatorDetector([good, *bad, {"type": "identity", "id": "identity--x"}])
    info = detector.describe()
    assert info["indicators"] == 1 and info["rejected"] == len(bad)
    assert info["ignored"] == {"identity": 1}
    reasons = {r["id"]: r["reason"] for r in info["rejections"] if r["id"]}
    assert "bad IP address or CIDR" in reasons[ind(2, "")["id"]]
    assert "single-label domain" in reasons[ind(4, "")["id"]]
    assert "limit" in reasons[ind(7, "")["id"]]
    assert "bad STIX pattern" in reasons[ind(8, "")["id"]]
    assert "only stix" in reasons[ind(9, "")["id"]]
    assert "valid_until" in reasons[ind(11, "")["id"]]
    assert hits(detector, batch([{"source.ip": "192.0.2.1"}])) == {(1, 1)}


def test_batches_of_any_shape_never_crash():
    detector = IndicatorDetector([ind(1, "[ipv4-addr:value = '192.0.2.1']"),
                                  ind(2, "[domain-name:value LIKE '%.x.example']")])
    assert detector.detect(ECS_SCHEMA.empty_table()) == []
    assert detector.detect(pa.table({"other": [1, 2]})) == []
    odd = pa.table({"source.ip": pa.array([1, None], pa.int64()), "dns.question.name": [None, None]})
    assert detector.detect(odd) == []
    nulls = pa.table({"source.ip": pa.nulls(3, pa.string())})
    assert detector.detect(nulls) == []


def test_value_index_agrees_with_a_python_set():
    rng = np.random.default_rng(7)
    values = [f"{rng.integers(1 << 40):x}.example" for _ in range(20_000)]
    stored = sorted(set(values[:10_000]))
    index = ValueIndex(stored)
    probes = pl.Series(values + [None, ""])
    slots = index.lookup(probes)
    members = set(stored)
    expected = [v in members for v in probes.to_list()]
    assert (slots >= 0).tolist() == expected
    assert all(stored[s] == v for s, v in zip(slots, probes.to_list(), strict=True) if s >= 0)


def test_reload_swaps_atomically_while_batches_are_in_flight():
    """Two versions name the same address with different indicator ids: every batch must be matched
    wholly by one version (all its alerts from A, or all from B), never by none or both."""
    version_a = [ind(1, "[ipv4-addr:value = '192.0.2.1']")] + [ind(100 + n, f"[ipv4-addr:value = '10.0.{n // 250}.{n % 250}']") for n in range(2000)]
    version_b = [ind(2, "[ipv4-addr:value = '192.0.2.1']")] + [ind(5000 + n, f"[domain-name:value = 'd{n}.example']") for n in range(2000)]
    detector = IndicatorDetector(version_a)
    table = batch([{"source.ip": "192.0.2.1", "dns.question.name": f"q{n}.example"} for n in range(3000)])
    seen: list[set[str]] = []
    stop = threading.Event()

    def run():
        while not stop.is_set():
            seen.append({a.rule_id[-1] for a in detector.detect(table)})

    worker = threading.Thread(target=run)
    worker.start()
    for n in range(6):
        detector.reload(version_b if n % 2 == 0 else version_a)
    stop.set()
    worker.join()
    assert seen and all(s in ({"1"}, {"2"}) for s in seen)
    assert all(len(detector.detect(table)) == 3000 for _ in range(2))


def test_csv_loader(tmp_path: Path):
    path = tmp_path / "iocs.csv"
    path.write_text("type,value,id,valid_until,labels\n"
                    "ip,203.0.113.0/24,,,\n"
                    "domain,evil.example,indicator--11111111-1111-4111-8111-111111111111,2030-01-01T00:00:00Z,T1071\n"
                    "sha256,zz,,,\n"
                    "pigeon,coo,,,\n"
                    "url,http://x.example/a'b,,,\n")
    detector = IndicatorDetector.from_files([path])
    info = detector.describe()
    assert info["indicators"] == 3 and info["rejected"] == 2
    assert any("unknown type 'pigeon'" in r["reason"] for r in info["rejections"])
    alerts = detector.detect(batch([{"dns.question.name": "a.evil.example"}, {"source.ip": "203.0.113.9"},
                                    {"url.original": "http://x.example/a'b"}]))
    assert len(alerts) == 3
    assert [a.techniques for a in alerts if a.rule_id.startswith("indicator--1111")] == [["T1071"]]


def test_bad_files_are_rejected_not_fatal(tmp_path: Path):
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "nohead.csv").write_text("1.2.3.4\n")
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    (tmp_path / "big.json").write_text("[" + ",".join(["{}"] * 5000) + "]")
    (tmp_path / "field.csv").write_text("type,value\ndomain,a.example\ndomain," + "x" * 200_000 + "\nip,192.0.2.9\n")
    ok = tmp_path / "ok.csv"
    ok.write_text("type,value\nip,192.0.2.1\n")
    paths = [tmp_path / n for n in ("junk.json", "nohead.csv", "other.json", "big.json", "missing.csv")] + [ok]
    objects, rejections = load_indicator_files(paths, max_bytes=9000)
    assert len(objects) == 1 and len(rejections) == 5
    text = " | ".join(r.reason for r in rejections)
    assert "not JSON" in text and "header" in text and "neither a STIX bundle nor MISP" in text
    assert "over the limit of 9000" in text and "missing.csv" in text
    objects, rejections = load_indicator_files([tmp_path / "field.csv"])
    assert len(objects) == 1 and "CSV error, rest of file skipped" in rejections[0].reason


@pytest.mark.shared
def test_stix_and_misp_files_from_shared_data(shared_data: Path):
    apt1 = shared_data / "intel/stix2.1/oasis-cti-stix2-json-schemas/examples/threat-reports/apt1.json"
    misp = shared_data / "intel/misp/pymisp/tests/reportlab_testfiles/to_delete2.json"
    detector = IndicatorDetector.from_files([apt1, misp])
    info = detector.describe()
    assert info["indicators"] > 100
    assert {r["reason"] for r in info["rejections"]} == {"no event field carries x509-certificate"}
    assert info["values"]["ip"] >= 4 and info["values"]["domain"] >= 3 and info["values"]["md5"] >= 10
    table = batch([{"source.ip": "223.167.1.1"}, {"dns.question.name": "www.hugesoft.org"},
                   {"destination.ip": "98.101.211.162"}, {"source.ip": "8.8.8.8"}])
    assert {e.record_id for a in detector.detect(table) for e in a.events} == {1, 2, 3}


@pytest.mark.shared
def test_real_zeek_dns_log_against_a_python_reference(shared_data: Path):
    log = shared_data / "network-logs/stratosphere-slips/test9-mixed-zeek-dir/dns.log"
    tables: list[pa.Table] = []
    ingest([log], sink=tables.append)
    table = concat(tables)
    names = [n for n in table.column("dns.question.name").to_pylist() if n and n.count(".") >= 1]
    chosen = sorted({n.lower().rstrip(".").split(".", 1)[-1] if n.count(".") >= 2 else n.lower()
                     for n in names})[::3]
    detector = IndicatorDetector([ind(n, f"[domain-name:value = '{d}']") for n, d in enumerate(chosen)])
    got = {e.record_id for a in detector.detect(table) for e in a.events}

    def expected(name: str | None) -> bool:
        name = (name or "").lower().rstrip(".")
        return any(name == d or name.endswith("." + d) for d in chosen)

    want = {rid for rid, name in zip(table.column("event.provenance.record_id").to_pylist(),
                                     table.column("dns.question.name").to_pylist(), strict=True) if expected(name)}
    assert want and got == want


def test_prefilter_never_drops_what_the_matcher_would_match():
    """Reference: stix2-matcher run on every event, no prefilter; the detector must agree."""
    from stix2matcher.matcher import Pattern

    from cybershield.detect.indicators.observations import bundle, observation

    patterns = [
        "[domain-name:value LIKE '%.dga.example']", "[domain-name:value LIKE 'a_c.%']",
        "[url:value LIKE 'http://x.example/(a+b)%']", "[file:name = 'evil.exe' AND file:hashes.MD5 LIKE 'd41d%']",
        "[file:hashes.MD5 IN ('d41d8cd98f00b204e9800998ecf8427e', 'x') AND file:name != 'good.exe']",
        "[process:command_line LIKE '%\\\\%']", "[domain-name:value LIKE '%.dga.example' OR url:value LIKE '%.php']",
        "[process:command_line MATCHES '^sh' AND process:command_line LIKE '%id']",
    ]
    rows = [
        {"dns.question.name": "q.dga.example"}, {"dns.question.name": "dga.example"}, {"url.domain": "abc.net"},
        {"dns.question.name": "a.c.net"}, {"url.original": "http://x.example/(a+b)/z"},
        {"url.original": "http://x.example/aab/z"}, {"url.original": "http://y.example/i.php"},
        {"file.name": "evil.exe", "file.hash.md5": "d41d8cd98f00b204e9800998ecf8427e"},
        {"file.name": "good.exe", "file.hash.md5": "d41d8cd98f00b204e9800998ecf8427e"},
        {"file.name": "Evil.exe", "file.hash.md5": "D41D8CD98F00B204E9800998ECF8427E"},
        {"process.command_line": "C:\\x\\y"}, {"process.command_line": "no backslash"},
        {"user.name": "root", "process.command_line": "sh -c id"}, {"user.name": "root", "process.command_line": "bash"},
    ]
    table = batch(rows)
    detector = IndicatorDetector([ind(n, p) for n, p in enumerate(patterns)])
    assert detector.describe()["rejected"] == 0
    records = table.to_pylist()
    expected = set()
    for n, text in enumerate(patterns):
        matcher = Pattern(text, stix_version="2.1")
        for row, record in enumerate(records, start=1):
            if matcher.match([bundle([observation(record, str(row))])]):
                expected.add((n, row))
    assert {n for n, _ in expected} == set(range(len(patterns)))  # each pattern matches something
    assert hits(detector, table) == expected


def test_address_and_port_pattern_runs_the_matcher_only_where_the_address_is():
    """MISP ``ip-dst|port`` attributes become such patterns; on flow data every event has addresses,
    so only the prefilter on the address keeps the matcher from seeing every distinct flow."""
    pattern = ("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7'"
               " AND network-traffic:dst_port = 443]")
    detector = IndicatorDetector([ind(1, pattern)])
    rows = [{"source.ip": f"10.0.{i // 250}.{i % 250}", "destination.ip": f"192.0.2.{i % 200}",
             "destination.port": 443} for i in range(2000)]
    rows += [{"source.ip": "10.9.9.9", "destination.ip": "198.51.100.7", "destination.port": port} for port in (443, 80)]
    assert hits(detector, batch(rows)) == {(1, 2001)}
    assert detector.describe()["matcher_runs"] == 2
