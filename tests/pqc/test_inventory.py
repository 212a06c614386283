"""The inventory from crafted logs: every classification rule, in Zeek JSON, Zeek TSV and Suricata EVE."""

from __future__ import annotations

import gzip
import json

import pytest

from cybershield.pqc import STATUSES, parse_constituents, read_inventory

from .logs import (
    EXPECTED,
    SSH_CASES,
    TLS_CASES,
    address,
    der_certificate,
    write_suricata,
    write_zeek_json,
    write_zeek_tsv,
)


def _by_address(inventory) -> dict[str, dict]:
    return {e["address"]: e for e in inventory.as_dict()["endpoints"]}


def _expected_by_address() -> dict[str, str]:
    out = {address(i): EXPECTED[name] for i, name in enumerate(TLS_CASES)}
    out.update({f"10.9.1.{i + 1}": EXPECTED[name] for i, name in enumerate(SSH_CASES)})
    return out


@pytest.mark.parametrize("writer", [write_zeek_json, write_zeek_tsv], ids=["zeek-json", "zeek-tsv"])
def test_every_rule_on_crafted_zeek_logs(tmp_path, writer):
    inventory = read_inventory([writer(tmp_path / "logs")])
    endpoints = _by_address(inventory)
    assert {a: e["status"] for a, e in endpoints.items()} == _expected_by_address()
    summary = inventory.summary
    assert summary["handshakes"]["read"] == len(TLS_CASES) + len(SSH_CASES)
    assert summary["handshakes"]["read"] == summary["handshakes"]["classified"] + summary["handshakes"]["unknown"]
    assert sum(summary["by_status"].values()) == summary["endpoints"] == len(endpoints)


def test_group_names_and_code_points_are_reported(tmp_path):
    endpoints = _by_address(read_inventory([write_zeek_json(tmp_path)]))
    names = list(TLS_CASES)
    kex = {name: endpoints[address(i)]["uses"][0]["key_exchange"] for i, name in enumerate(names)}
    assert kex["hybrid-x25519mlkem768"]["code_point"] == "0x11ec"
    assert kex["hybrid-p256mlkem768"]["code_point"] == "0x11eb"
    assert kex["hybrid-p384mlkem1024-by-code"]["name"] == "SecP384r1MLKEM1024"
    assert kex["pq-mlkem768-mldsa"]["code_point"] == "0x0201"
    assert kex["pq-mlkem1024-rsa-cert"]["name"] == "MLKEM1024"
    assert "0x7a69" in kex["unknown-group-code"]["reason"]


def test_reasons_name_what_is_missing_or_broken(tmp_path):
    endpoints = _by_address(read_inventory([write_zeek_json(tmp_path)]))
    reason = {name: " ".join(endpoints[address(i)]["reasons"]) for i, name in enumerate(TLS_CASES)}
    assert "RFC 8996" in reason["broken-tls10"]
    assert "RC4" in reason["broken-sslv3-rc4"] and "SSL 3.0" in reason["broken-sslv3-rc4"]
    assert "1024 bits" in reason["broken-rsa1024"]
    assert "SHA-1" in reason["broken-sha1-signature"]
    assert "export" in reason["broken-export"]
    assert "TLS 1.3 key-exchange group not logged" in reason["unknown-tls13-no-group"]
    assert "not completed" in reason["unknown-not-completed"]
    mldsa = endpoints[address(list(TLS_CASES).index("pq-mlkem768-mldsa"))]["uses"][0]
    assert mldsa["authentication"]["status"] == "pq" and "FIPS 204" in mldsa["authentication"]["reason"]
    rsa_cert = endpoints[address(list(TLS_CASES).index("pq-mlkem1024-rsa-cert"))]["uses"][0]
    assert rsa_cert["authentication"]["status"] == "quantum-vulnerable"


def test_certificates_are_joined_with_their_validity(tmp_path):
    endpoints = _by_address(read_inventory([write_zeek_json(tmp_path)]))
    use = endpoints[address(0)]["uses"][0]
    assert use["certificate"]["key_algorithm"] == "rsaEncryption"
    assert use["certificate"]["key_size"] == 2048
    assert use["certificate"]["not_after"].startswith("2031-")
    assert endpoints[address(0)]["hosts"] == ["hybrid-x25519mlkem768.example"]


def test_suricata_eve_tls_and_ssh(tmp_path):
    eve = write_suricata(tmp_path, der_certificate(1024), der_certificate(2048, days=2600))
    inventory = read_inventory([eve])
    endpoints = _by_address(inventory)
    weak, strong, tls13 = endpoints["10.9.2.1"], endpoints["10.9.2.2"], endpoints["10.9.2.3"]
    assert weak["status"] == "classically-broken"
    assert weak["uses"][0]["certificate"]["key_size"] == 1024
    assert any("1024 bits" in r for r in weak["reasons"])
    assert strong["status"] == "quantum-vulnerable"  # TLS 1.2: no post-quantum group exists for it
    assert strong["uses"][0]["certificate"]["signature_algorithm"] == "sha256WithRSAEncryption"
    assert tls13["status"] == "unknown"
    assert "Suricata EVE does not log it" in tls13["uses"][0]["key_exchange"]["reason"]
    # SSH: the negotiated method follows RFC 4253 from the HASSH strings; host keys are not logged
    assert endpoints["10.9.3.1"]["uses"][0]["ssh"]["kex"] == "curve25519-sha256"
    assert endpoints["10.9.3.1"]["status"] == "quantum-vulnerable"
    assert endpoints["10.9.3.2"]["status"] == "hybrid-pq"
    assert "host-key" in endpoints["10.9.3.2"]["uses"][0]["authentication"]["reason"]
    assert inventory.summary["input"]["other_events"] == 1  # the alert


def test_long_certificate_and_constituent_raise_priority(tmp_path):
    constituents = parse_constituents({"constituents": {
        "hospital": {"sector": "health", "sensitivity": "high", "networks": ["10.9.0.0/28"]},
        "wide": {"sector": "retail", "networks": ["10.9.0.0/16"]}}}, "test")
    inventory = read_inventory([write_zeek_json(tmp_path)], constituents)
    endpoints = _by_address(inventory)
    hospital = endpoints[address(list(TLS_CASES).index("vulnerable-rsa-kex"))]
    assert hospital["constituent"] == "hospital"  # the longest prefix wins over "wide"
    assert hospital["priority"]["deadline"] == "2030-12-31"
    assert any("past 2030" in w for w in hospital["priority"]["why"])
    other = endpoints["10.9.1.3"]  # ssh, in "wide" only
    assert other["constituent"] == "wide" and other["priority"]["deadline"] == "2035-12-31"
    assert hospital["priority"]["score"] > other["priority"]["score"]
    assert endpoints[address(list(TLS_CASES).index("broken-tls10"))]["priority"]["deadline"] == "immediately"
    rows = {c["name"]: c for c in inventory.constituents}
    assert rows["hospital"]["deadline"] == "immediately"
    assert sum(c["endpoints"] for c in rows.values()) + inventory.summary["unassigned_endpoints"] == len(endpoints)
    assert sum(rows["hospital"]["by_status"].values()) == rows["hospital"]["endpoints"]


def test_bad_input_ends_in_unknown_never_a_crash(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    good = json.dumps({"ts": 1.0, "uid": "a", "id.orig_h": "192.0.2.1", "id.orig_p": 1, "id.resp_h": "10.1.1.1",
                       "id.resp_p": 443, "version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256",
                       "curve": "unknown-65000", "cert_chain_fps": ["deadbeef"]})
    odd_types = json.dumps({"ts": "x", "uid": "b", "id.orig_h": "192.0.2.1", "id.orig_p": "p", "id.resp_h": "10.1.1.2",
                            "id.resp_p": 443, "version": 12, "cipher": None, "curve": 29, "cert_chain_fps": "abc"})
    (folder / "ssl.log").write_text(f"{good}\n{odd_types}\n{{broken json\n")
    many = "".join(good.replace('"uid": "a"', f'"uid": "t{i}"') + "\n" for i in range(2000)).encode()
    truncated = gzip.compress(many)
    (folder / "ssl.2.log.gz").write_bytes(truncated[: len(truncated) // 2])
    (folder / "ssh.log").write_text('{"ts": 2.0, "id.resp_h": "10.1.1.3", "id.resp_p": 22, "kex_alg": "future-kem"}\n')
    inventory = read_inventory([folder])
    summary = inventory.summary
    assert summary["input"]["quarantined"] >= 2  # the broken line and the truncation
    assert summary["handshakes"]["read"] == summary["handshakes"]["classified"] + summary["handshakes"]["unknown"]
    endpoints = _by_address(inventory)
    first = endpoints["10.1.1.1"]
    assert first["status"] == "unknown"
    assert "0xfde8" in first["uses"][0]["key_exchange"]["reason"]
    assert "not in the certificate log" in first["uses"][0]["authentication"]["reason"]
    assert endpoints["10.1.1.3"]["status"] == "unknown"
    assert "not in the rule table" in endpoints["10.1.1.3"]["reasons"][0]
    assert set(e["status"] for e in endpoints.values()) <= set(STATUSES)


def test_no_input_gives_an_empty_inventory(tmp_path):
    (tmp_path / "dns.log").write_text('{"ts": 1.0, "query": "example.org"}\n')
    inventory = read_inventory([tmp_path])
    assert inventory.summary["endpoints"] == 0 and inventory.summary["handshakes"]["read"] == 0
    assert inventory.as_dict()["endpoints"] == []


def test_suricata_ml_dsa_certificate_is_post_quantum_authentication(tmp_path):
    eve = write_suricata(tmp_path, der_certificate(None), der_certificate(2048))
    use = _by_address(read_inventory([eve]))["10.9.2.1"]["uses"][0]
    assert use["certificate"]["key_algorithm"] == "ML-DSA-65"
    assert use["authentication"]["status"] == "pq" and "FIPS 204" in use["authentication"]["reason"]
    assert use["status"] == "quantum-vulnerable"  # TLS 1.2 key exchange: the certificate alone does not protect


def test_zeek_before_4_joins_certificates_by_file_id(tmp_path):
    ssl = {"ts": 1.0, "uid": "C1", "id.orig_h": "192.0.2.1", "id.orig_p": 1, "id.resp_h": "10.2.2.2", "id.resp_p": 443,
           "version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "curve": "secp256r1",
           "cert_chain_fuids": ["FhP1"]}
    x509 = {"ts": 1.0, "id": "FhP1", "certificate.key_alg": "rsaEncryption", "certificate.key_type": "rsa",
            "certificate.key_length": 1024, "certificate.sig_alg": "sha256WithRSAEncryption"}
    (tmp_path / "ssl.log").write_text(json.dumps(ssl) + "\n")
    (tmp_path / "x509.log").write_text(json.dumps(x509) + "\n")
    endpoint = _by_address(read_inventory([tmp_path]))["10.2.2.2"]
    assert endpoint["status"] == "classically-broken"
    assert endpoint["uses"][0]["certificate"]["key_size"] == 1024
