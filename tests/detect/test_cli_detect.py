"""``cybershield detect`` as a user runs it: alerts file, JSON summary, database, bad options."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.storage import AlertRecord, open_database

from .sigma_helpers import SYSMON, rule

runner = CliRunner()


@pytest.fixture()
def logs_and_rules(tmp_path):
    events = [{"EventID": 1, "Channel": SYSMON, "EventRecordID": 10 + i, "Computer": "pc1",
               "UtcTime": "2026-01-01 10:00:00.000", "Image": image, "CommandLine": f"{image} /all"}
              for i, image in enumerate(["C:\\Windows\\whoami.exe", "C:\\Windows\\calc.exe", "C:\\tools\\WHOAMI.EXE"])]
    logs = tmp_path / "sysmon.json"
    logs.write_text("\n".join(json.dumps(e) for e in events) + "\n{broken\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "whoami.yml").write_text(rule("Whoami", "sel:\n  Image|endswith: '\\whoami.exe'\ncondition: sel"))
    (rules / "broken.yml").write_text("title: broken\ndetection: {condition: nope}\n")
    return logs, rules


def test_detect_writes_alerts_summary_and_database(logs_and_rules, tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_DB_URL", db_url)
    logs, rules = logs_and_rules
    out = tmp_path / "alerts.jsonl"
    result = runner.invoke(app, ["detect", str(logs), "--rules", str(rules), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["events"] == 3 and summary["quarantined"] == 1
    assert summary["rules_loaded"] == 1 and summary["alerts"] == 2
    assert [f["source"].rsplit("/", 1)[-1] for f in summary["rules_failed"]] == ["broken.yml"]
    assert summary["events_per_second"] > 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(d["event"]["provenance"]["record_id"] for d in lines) == [10, 12]
    assert {d["rule"]["title"] for d in lines} == {"Whoami"} and lines[0]["rule"]["level"] == "high"
    assert all(d["event"]["provenance"]["source"] == str(logs) for d in lines)
    with open_database(db_url)() as session:
        assert session.scalar(select(func.count()).select_from(AlertRecord)) == 2
    again = runner.invoke(app, ["detect", str(logs), "--rules", str(rules), "--json"])
    assert json.loads(again.stdout)["alerts_stored"] == 0  # same rule, same events: deduplicated


def test_detect_table_output(logs_and_rules, tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    logs, rules = logs_and_rules
    result = runner.invoke(app, ["detect", str(logs), "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert "detect summary" in result.output and "Whoami" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--rules", "/no/such/rules"], "rule path not found"),
    ([], "nothing to detect with"),
    (["--indicators", "/no/such/iocs.json"], "indicator file not found"),
    (["--model", "no-such-model"], "model 'no-such-model' cannot be loaded"),
])
def test_detect_bad_options_exit_2(logs_and_rules, args, message, tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    logs, _ = logs_and_rules
    result = runner.invoke(app, ["detect", str(logs), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
