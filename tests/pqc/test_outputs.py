"""What the inventory becomes: the CBOM (schema-checked), the report, the weekly trend, the readiness
figures and their roll-up across countries."""

from __future__ import annotations

import json

import pytest

from cybershield.pqc import read_inventory
from cybershield.pqc.cbom import cbom_json, validate_cbom
from cybershield.pqc.readiness import ReadinessError, readiness_summary, rollup
from cybershield.pqc.report import write_report
from cybershield.pqc.trend import read_trend, record_snapshots, weekly
from cybershield.storage import open_database

from .logs import write_zeek_json


@pytest.fixture
def inventory(tmp_path):
    return read_inventory([write_zeek_json(tmp_path / "logs")])


def test_cbom_is_valid_cyclonedx_1_6_with_crypto_assets(inventory):
    text = cbom_json(inventory)
    assert validate_cbom(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    assets = {c["name"]: c for c in bom["components"]}
    assert {c["type"] for c in bom["components"]} == {"cryptographic-asset"}
    kinds = {c["cryptoProperties"]["assetType"] for c in bom["components"]}
    assert kinds == {"algorithm", "certificate", "protocol", "related-crypto-material"}
    hybrid = assets["X25519MLKEM768"]
    assert hybrid["cryptoProperties"]["algorithmProperties"]["primitive"] == "kem"
    assert hybrid["cryptoProperties"]["algorithmProperties"]["nistQuantumSecurityLevel"] == 3
    props = {p["name"]: p["value"] for p in hybrid["properties"]}
    assert props["cybershield:pqc:status"] == "hybrid-pq"
    assert hybrid["evidence"]["occurrences"] == [{"location": "10.9.0.1:443/tls"}]
    certificate = next(c for c in bom["components"] if c["cryptoProperties"]["assetType"] == "certificate"
                       and c["name"] == "CN=pq-mlkem768-mldsa.example")
    refs = certificate["cryptoProperties"]["certificateProperties"]
    assert refs["signatureAlgorithmRef"] in {c["bom-ref"] for c in bom["components"]}
    assert refs["subjectPublicKeyRef"] in {c["bom-ref"] for c in bom["components"]}


def test_cbom_validator_refuses_a_broken_document(inventory):
    bom = json.loads(cbom_json(inventory))
    bom["components"][0]["cryptoProperties"]["assetType"] = "teapot"
    assert validate_cbom(json.dumps(bom)) is not None


def test_html_report_with_chart(inventory, tmp_path):
    page = write_report(inventory, tmp_path / "report")
    assert (tmp_path / "report" / "status.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "status.png" in text and "10.9.0.8:443/tls" in text  # the TLS 1.0 endpoint among the first


def test_weekly_snapshots_round_trip_without_double_counting(inventory, db_url):
    sessions = open_database(db_url)
    rows = weekly(inventory)
    assert sum(r["endpoints"] for r in rows) == inventory.summary["endpoints"]  # all in one week
    record_snapshots(sessions, rows)
    record_snapshots(sessions, rows)  # the same week again replaces, never adds
    weeks = read_trend(sessions)
    assert [w["week"] for w in weeks] == ["2025-12-01"]
    assert weeks[0]["endpoints"] == inventory.summary["by_status"]
    assert weeks[0]["connections_total"] == inventory.summary["handshakes"]["read"]
    protected = inventory.summary["by_status"]["pq"] + inventory.summary["by_status"]["hybrid-pq"]
    assert weeks[0]["endpoints_protected_share"] == round(protected / inventory.summary["endpoints"], 4)


def test_readiness_summary_is_anonymous_and_rolls_up(inventory):
    summary = readiness_summary(inventory, "de")
    text = json.dumps(summary)
    assert "10.9." not in text and ".example" not in text
    assert summary["endpoints"] == inventory.summary["by_status"]
    other = {**summary, "country": "FR", "endpoints": {**summary["endpoints"], "pq": summary["endpoints"]["pq"] + 5}}
    older_de = {**summary, "generated": "2000-01-01T00:00:00+00:00", "endpoints": {"pq": 1000}}
    picture = rollup([older_de, summary, other])
    assert picture["countries"] == ["DE", "FR"]
    assert picture["endpoints"]["pq"] == 2 * summary["endpoints"]["pq"] + 5  # the older DE summary is replaced
    total = sum(picture["endpoints"].values())
    assert picture["protected_share"] == round((picture["endpoints"]["pq"] + picture["endpoints"]["hybrid-pq"]) / total, 4)
    assert set(picture["by_sector"]) == {"unassigned"}


@pytest.mark.parametrize("bad", [
    {"kind": "something-else"},
    {"kind": "cybershield-pqc-readiness", "country": "DE", "endpoints": {"pq": -1}},
    {"kind": "cybershield-pqc-readiness", "country": "DE", "endpoints": {"quantum-safe": 3}},
    {"kind": "cybershield-pqc-readiness", "endpoints": {}},
    "not even a mapping",
])
def test_rollup_refuses_malformed_summaries(bad):
    with pytest.raises(ReadinessError):
        rollup([bad])


def test_json_written_by_polars_equals_the_dict(inventory):
    assert json.loads(inventory.as_json()) == json.loads(json.dumps(inventory.as_dict()))
