"""The WRCCDC 2018 capture (Zeek ssl, x509, ssh) for scale and realism: counts that must add up."""

from __future__ import annotations

import gzip
import json

import pytest

from cybershield.pqc import STATUSES, read_inventory
from cybershield.pqc.cbom import cbom_json, validate_cbom

pytestmark = pytest.mark.shared
WRCCDC = "network-logs/wrccdc-2018-zeek"


def _lines(path) -> int:
    with gzip.open(path, "rt") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#"))


@pytest.fixture(scope="module")
def inventories(shared_data):
    folder = shared_data / WRCCDC
    return {fmt: read_inventory([folder / fmt]) for fmt in ("zeek-json", "zeek-default")}


def test_counts_add_up(shared_data, inventories):
    folder = shared_data / WRCCDC / "zeek-json"
    handshakes = _lines(folder / "ssl.json.gz") + _lines(folder / "ssh.json.gz")
    for inventory in inventories.values():
        s = inventory.summary
        assert s["handshakes"]["read"] == handshakes
        assert s["handshakes"]["read"] == s["handshakes"]["classified"] + s["handshakes"]["unknown"]
        assert sum(s["handshakes"]["by_status"].values()) == s["handshakes"]["read"]
        assert sum(s["by_status"].values()) == s["endpoints"] == inventory.endpoints.height
        assert s["certificates"] == _lines(folder / "x509.json.gz")
        assert s["input"]["quarantined"] == 0
        assert sum(u for u in inventory.uses["connections"]) == s["handshakes"]["read"]
        endpoints = inventory.as_dict()["endpoints"]
        assert all(e["status"] in STATUSES for e in endpoints)
        assert all(sum(u["connections"] for u in e["uses"]) == e["connections"] for e in endpoints)


def test_json_and_tsv_logs_give_the_same_inventory(inventories):
    a, b = inventories["zeek-json"].summary, inventories["zeek-default"].summary
    assert a["by_status"] == b["by_status"] and a["handshakes"]["by_status"] == b["handshakes"]["by_status"]


def test_the_capture_cbom_is_valid(inventories):
    inventory = inventories["zeek-json"]
    text = cbom_json(inventory)
    assert validate_cbom(text) is None
    certificates = [c for c in json.loads(text)["components"] if c["cryptoProperties"]["assetType"] == "certificate"]
    joined = inventory.handshakes.filter(inventory.handshakes["cert_found"])["cert_id"].n_unique()
    assert len(certificates) == joined


@pytest.mark.parametrize("source", [
    "network-logs/stratosphere-slips/test9-mixed-zeek-dir",  # Zeek JSON
    "network-logs/stratosphere-slips/test10-mixed-zeek-dir",  # Zeek TSV
    "network-logs/stratosphere-security-datasets/009-zeek-malicious",  # old Zeek: cert_chain_fuids, labelled TSV
    "network-logs/stratosphere-slips/test6-malicious.suricata.json.gz",  # Suricata EVE
])
def test_other_captures_add_up(shared_data, source):
    inventory = read_inventory([shared_data / source])
    s = inventory.summary
    assert s["handshakes"]["read"] > 0
    assert s["handshakes"]["read"] == s["handshakes"]["classified"] + s["handshakes"]["unknown"]
    assert sum(s["by_status"].values()) == s["endpoints"] > 0
    assert s["handshakes"]["with_certificate"] <= s["handshakes"]["read"]
