"""``cybershield pqc`` as a user runs it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cybershield.cli import app

from .logs import write_zeek_json

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("CYBERSHIELD_DB_URL", raising=False)
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(tmp_path / "hub.yaml"))
    return tmp_path


def test_inventory_json_cbom_html_record_and_trend(env):
    logs = write_zeek_json(env / "logs")
    (env / "hub.yaml").write_text("hub: {name: de-hub}\nconstituents:\n"
                                  "  clinic: {sector: health, entity_type: essential}\n  other: {sector: food}\n")
    (env / "ranges.yaml").write_text("constituents:\n  clinic: {networks: [10.9.0.0/24]}\n")
    result = runner.invoke(app, ["pqc", "inventory", str(logs), "--json", "--constituents", str(env / "ranges.yaml"),
                                 "--cbom", str(env / "out" / "cbom.json"),
                                 "--html", str(env / "out" / "html"), "--record",
                                 "--readiness", str(env / "out" / "ready.json"), "--country", "de"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"endpoints", "constituents", "summary"}
    assert set(data["summary"]["by_status"]) == {"pq", "hybrid-pq", "quantum-vulnerable", "classically-broken",
                                                 "unknown"}
    assert data["summary"]["endpoints"] == len(data["endpoints"])
    rows = {c["name"]: c for c in data["constituents"]}
    assert set(rows) == {"clinic", "other"}  # the hub configuration's, completed by the ranges file
    assert rows["clinic"]["sector"] == "health" and rows["clinic"]["high_risk"]
    assert rows["clinic"]["endpoints"] == 16 and rows["other"]["endpoints"] == 0
    assert (env / "out" / "cbom.json").is_file() and (env / "out" / "html" / "status.png").is_file()
    assert json.loads((env / "out" / "ready.json").read_text())["country"] == "DE"
    trend = runner.invoke(app, ["pqc", "trend", "--json"])
    assert trend.exit_code == 0, trend.output
    weeks = json.loads(trend.stdout)["weeks"]
    assert weeks[0]["endpoints"] == data["summary"]["by_status"]
    rolled = runner.invoke(app, ["pqc", "rollup", str(env / "out" / "ready.json"), "--json"])
    assert rolled.exit_code == 0 and json.loads(rolled.stdout)["countries"] == ["DE"]


def test_bad_constituents_file_is_refused_with_exit_2(env):
    logs = write_zeek_json(env / "logs")
    (env / "c.yaml").write_text("constituents:\n  x: {networks: [not-a-network]}\n")
    result = runner.invoke(app, ["pqc", "inventory", str(logs), "--constituents", str(env / "c.yaml")])
    assert result.exit_code == 2
    assert "not-a-network" in result.output


def test_bad_hub_configuration_is_refused_with_exit_2(env):
    (env / "hub.yaml").write_text("constituents:\n  clinic: {sector: not-a-sector}\n")
    result = runner.invoke(app, ["pqc", "inventory", str(write_zeek_json(env / "logs"))])
    assert result.exit_code == 2
    assert "not-a-sector" in result.output


def test_no_handshake_exits_1_and_bad_rollup_exits_2(env):
    (env / "dns.log").write_text('{"ts": 1.0, "query": "example.org"}\n')
    result = runner.invoke(app, ["pqc", "inventory", str(env / "dns.log"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["endpoints"] == 0
    (env / "bad.json").write_text('{"kind": "nope"}')
    assert runner.invoke(app, ["pqc", "rollup", str(env / "bad.json")]).exit_code == 2
