"""First use, as a new user meets it: clear messages and exit code 2 instead of tracebacks, prompts on
standard error, and logs at the level and in the format asked for."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.config import Settings
from cybershield.errors import CybershieldError

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Rich wraps at 80 columns when not on a terminal, folding long paths: one message, one line."""
    from cybershield.cli.base import console

    monkeypatch.setattr(console, "width", 1000)


def said(result) -> str:
    """What the command printed, on one line."""
    return " ".join(result.output.split())


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(tmp_path / "hub.yaml"))
    monkeypatch.delenv("CYBERSHIELD_DB_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize("command", [["taxii", "serve"], ["taxii", "sync"], ["intel", "export"]])
def test_a_malformed_hub_configuration_is_a_message_not_a_traceback(hub_env, command):
    (hub_env / "hub.yaml").write_text("hub: [de-hub\npeers: {")
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "hub.yaml: not valid YAML" in said(result) and "line 2" in said(result)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unknown_collection_names_the_file_and_the_collection(hub_env):
    (hub_env / "hub.yaml").write_text("peers:\n  fr-hub: {secret: x, read: [nowhere]}\n")
    result = runner.invoke(app, ["taxii", "serve", "--port", "1"])
    assert result.exit_code == 2
    assert "hub.yaml" in said(result) and "nowhere" in said(result)


def test_a_busy_port_fails_before_the_server_starts(hub_env):
    (hub_env / "hub.yaml").write_text("hub: {name: de-hub}\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["taxii", "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in said(result)


def test_ingest_of_a_missing_path_names_it(tmp_path):
    missing = tmp_path / "nowhere" / "zeek.log"
    result = runner.invoke(app, ["ingest", str(missing), str(tmp_path)])
    assert result.exit_code == 2
    assert f"no such file or folder: {missing}" in said(result)


def test_hash_secret_prints_only_the_hash_on_standard_output(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cybershield", "taxii", "hash-secret"], input="s3cret\ns3cret\n",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pbkdf2_sha256$") and done.stdout.count("\n") == 1
    assert "secret" in done.stderr.lower()  # the prompts


def test_the_root_error_carries_message_exit_code_and_status():
    error = CybershieldError("no such model", exit_code=3, http_status=404)
    assert (error.message, error.exit_code, error.http_status) == ("no such model", 3, 404)
    assert (CybershieldError("x").exit_code, CybershieldError("x").http_status) == (2, 400)


def test_verbose_json_logging_goes_to_standard_error(tmp_path):
    bundle = tmp_path / "bad.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--6a9b3d4c-2c3d-4c8e-9a4b-1d2e3f4a5b6c",
                                  "objects": [{"type": "indicator", "id": "indicator--nope"}]}))
    env = {"CYBERSHIELD_VAR": str(tmp_path / "var"), "CYBERSHIELD_HUB_CONFIG": str(tmp_path / "hub.yaml"),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "cybershield", "-v", "--log-json", "intel", "import", str(bundle),
                           "--json"], capture_output=True, text=True, timeout=120, env=env)
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert json.loads(done.stdout)["files"][0]["rejected"] == 1  # stdout stays the command's result
    rejected = [r for r in records if r["logger"] == "cybershield.intel.validation"]
    assert rejected and rejected[0]["level"] == "INFO" and "indicator--nope" in rejected[0]["message"]
    quiet = subprocess.run([sys.executable, "-m", "cybershield", "intel", "import", str(bundle), "--json"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert "cybershield.intel" not in quiet.stderr  # WARNING by default: an import's details are INFO


def test_log_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_LOG_LEVEL", "debug")
    monkeypatch.setenv("CYBERSHIELD_LOG_JSON", "1")
    settings = Settings.from_env()
    assert (settings.log_level, settings.log_json) == ("debug", True)
