"""The command line, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from cybershield.cli import app

runner = CliRunner()


def test_ingest_json_summary_on_generated_telemetry(tmp_path):
    from cybershield.exercise import write_sample_telemetry

    write_sample_telemetry(tmp_path / "t")
    (tmp_path / "t" / "broken.log").write_bytes(b'{"ts":1,"uid":"x","id.orig_h":"1.2.3.4"}\n{broken\n')
    out = tmp_path / "events.parquet"
    result = runner.invoke(app, ["ingest", str(tmp_path / "t"), "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["read"] == summary["parsed"] + summary["quarantined"]
    assert summary["by_reason"] == {"invalid-json": 1}
    assert set(summary["by_format"]) == {"evtx-json", "suricata-eve", "zeek-json", "zeek-tsv"}
    import pyarrow.parquet as pq

    assert pq.read_metadata(out).num_rows == summary["parsed"]


def test_ingest_nothing_readable_exits_non_zero(tmp_path):
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01" * 100)
    result = runner.invoke(app, ["ingest", str(tmp_path / "junk.bin"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["by_reason"] == {"unknown-format": 1}


def test_unknown_format_option_is_refused(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path), "--format", "nope"])
    assert result.exit_code == 2


def test_run_without_shared_data_generates_telemetry(tmp_path):
    env = dict(os.environ, CYBERSHIELD_DATA=str(tmp_path / "absent"), CYBERSHIELD_VAR=str(tmp_path / "var"))
    env.pop("CYBERSHIELD_DB_URL", None)
    proc = subprocess.run([sys.executable, "-m", "cybershield", "run"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "generating sample telemetry" in " ".join(proc.stderr.split())  # rich wraps long lines
    assert (tmp_path / "var" / "cybershield.db").exists()
    alerts = [json.loads(line) for line in (tmp_path / "var" / "alerts.jsonl").read_text().splitlines()]
    titles = {a["rule"]["title"] for a in alerts}
    assert {"Office Application Spawns PowerShell", "PowerShell With an Encoded Command",  # our Sigma rules
            "System Binary Name Written Under a User Profile", "Script Interpreter Connects to a Public Address",
            "Cobalt Strike C2 server", "Cobalt Strike C2 domain", "Stager dropped by invoice.docm"} == titles
    again = subprocess.run([sys.executable, "-m", "cybershield", "run"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "var" / "cybershield.db") as db:  # the same alerts again are not stored twice
        assert db.execute("SELECT count(*) FROM alert").fetchone()[0] == len(alerts)
        assert db.execute("SELECT count(*) FROM ingest_run").fetchone()[0] == 2
