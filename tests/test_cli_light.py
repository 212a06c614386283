"""Help and a wrong command load Typer, Rich and the light modules only: the heavy packages (the hub, the web
and TAXII servers, storage, Arrow, Polars, DuckDB, STIX, pySigma, the learning stack...) load when a command runs.
Each case runs in a clean interpreter and reports what it had loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "polars", "duckdb", "pyarrow", "numpy", "stix2",
         "stix2validator", "sigma", "lightgbm", "sklearn", "matplotlib", "jinja2", "httpx", "cryptography", "yaml",
         "pymisp", "cyclonedx", "evtx", "cybershield.hub", "cybershield.web", "cybershield.detect",
         "cybershield.learning", "cybershield.storage", "cybershield.pqc", "cybershield.exercise",
         "cybershield.network", "cybershield.events.parsers", "cybershield.intel.store", "cybershield.exchange.keys",
         "cybershield.exchange.taxii", "cybershield.response.service")

#: runs the command line on its arguments, then prints its exit code and the modules it loaded, as JSON
SCRIPT = """
import json, sys
from cybershield.cli import main
sys.argv = ["cybershield", *sys.argv[1:]]
try:
    main()
    code = 0
except SystemExit as done:
    code = done.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""


def loaded(args: list[str], var) -> tuple[int, set[str]]:
    """The exit code of ``cybershield ARGS`` and the heavy modules it loaded."""
    env = {**os.environ, "CYBERSHIELD_VAR": str(var), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = {m for m in report["modules"] if any(m == h or m.startswith(f"{h}.") for h in HEAVY)}
    return report["exit"], heavy


@pytest.mark.parametrize("args", [
    ["--help"], ["incident", "--help"], ["incident", "report", "--help"], ["hub", "keys", "init", "--help"],
    ["ingest", "--help"], ["intel", "import", "--help"], ["intel", "export", "--help"], ["pqc", "--help"],
    ["model", "train", "--help"], ["taxii", "--help"], ["exercise", "run", "--help"],
], ids=" ".join)
def test_help_loads_no_heavy_module(args, tmp_path):
    code, heavy = loaded(args, tmp_path)
    assert code == 0
    assert heavy == set()


def test_an_unknown_command_loads_no_heavy_module(tmp_path):
    code, heavy = loaded(["no-such-command"], tmp_path)
    assert code == 2
    assert heavy == set()


def test_a_command_that_runs_loads_what_it_needs(tmp_path):
    code, heavy = loaded(["ingest", str(tmp_path / "missing.json")], tmp_path)
    assert code == 2  # no such file (tests/test_cli_first_use.py)
    assert {"pyarrow", "cybershield.events.parsers"} <= heavy
