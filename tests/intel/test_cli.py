"""``cybershield intel import|export`` and ``cybershield taxii serve|sync`` as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import yaml
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.intel import TLP2_IDS

from .factory import indicator, malware, relationship


def bundle(*objects) -> str:
    return json.dumps({"type": "bundle", "id": "bundle--6a9b3d4c-2c3d-4c8e-9a4b-1d2e3f4a5b6c", "objects": list(objects)})


def test_import_then_export_through_the_gate(env):
    red = indicator(1, tlp="RED")
    (env / "feed.json").write_text(bundle(red, indicator(2, tlp="GREEN"), indicator(3), malware(1, tlp="CLEAR"),
                                          relationship(1, red["id"], malware(1)["id"], tlp="GREEN"),
                                          {"type": "indicator", "id": "indicator--broken"}))
    (env / "notes.txt").write_text("not intel")
    runner = CliRunner()
    result = runner.invoke(app, ["intel", "import", str(env / "feed.json"), str(env / "notes.txt"), "--json"])
    assert result.exit_code == 0, result.output
    files = {f["file"].rsplit("/", 1)[1]: f for f in json.loads(result.stdout)["files"]}
    assert (files["feed.json"]["stored"], files["feed.json"]["rejected"]) == (5, 1)
    assert "id format" in files["feed.json"]["rejected_objects"][0]["reasons"][0]
    assert files["notes.txt"]["error"].startswith("not JSON")

    again = runner.invoke(app, ["intel", "import", str(env / "feed.json")])
    assert again.exit_code == 0 and "unchanged" in again.output

    for recipient, expected in ((None, {indicator(2)["id"], malware(1)["id"]}),
                                ("fr-hub", {indicator(2)["id"], indicator(3)["id"], malware(1)["id"]})):
        out = env / f"export-{recipient}.json"
        args = ["intel", "export", "--out", str(out)] + (["--for", recipient] if recipient else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        exported = json.loads(out.read_text())["objects"]
        assert {o["id"] for o in exported if o["type"] != "marking-definition"} == expected
        assert TLP2_IDS["RED"] not in out.read_text() and red["id"] not in out.read_text()
        assert "withheld" in result.output


def test_bad_invocations(env):
    runner = CliRunner()
    (env / "junk.json").write_text('{"hello": "world"}')
    assert runner.invoke(app, ["intel", "import", str(env / "junk.json")]).exit_code == 1
    assert runner.invoke(app, ["intel", "export", "--for", "mallory"]).exit_code == 2
    assert runner.invoke(app, ["intel", "export", "--format", "pdf"]).exit_code == 2


def test_taxii_serve_and_sync(env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "cybershield", "taxii", "serve", "--port", str(port)],
                              env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, response = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/taxii2/", auth=("fr-hub", "fr-secret"),
                                     headers={"Accept": "application/taxii+json;version=2.1"})
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None and response.status_code == 200
        assert response.json()["api_roots"] == [f"http://127.0.0.1:{port}/api1/"]
    finally:
        server.terminate()
        server.wait(10)
    config = yaml.safe_load((env / "hub.yaml").read_text())
    config["peers"]["fr-hub"]["pull"] = [f"http://127.0.0.1:{port}/api1/collections/x/"]  # now closed
    (env / "hub.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["taxii", "sync", "--timeout", "1", "--json"])
    assert result.exit_code == 1
    assert "ConnectionError" in json.loads(result.stdout)[0]["error"]


def test_export_counts_withheld_objects_by_reason_not_by_id(env):
    red = indicator(1, tlp="RED")
    links = [relationship(n, red["id"], malware(n)["id"], tlp="GREEN") for n in (1, 2, 3)]
    (env / "feed.json").write_text(bundle(red, *(malware(n, tlp="CLEAR") for n in (1, 2, 3)), *links))
    runner = CliRunner()
    assert runner.invoke(app, ["intel", "import", str(env / "feed.json")]).exit_code == 0
    result = runner.invoke(app, ["intel", "export", "--out", str(env / "out.json")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "withheld:" in line]
    referencing = [line for line in rows if "references a withheld object" in line]
    assert len(referencing) == 1 and referencing[0].rstrip(" │").endswith("3")
    assert all(link["id"] not in result.output for link in links) and red["id"] not in result.output


def test_rejections_are_counted_by_reason_across_files(env, tmp_path):
    from cybershield.intel import rejections_by_reason
    from cybershield.intel.importer import FileImport
    from cybershield.intel.store import AddResult, ObjectStatus

    def report(*reasons):
        return FileImport(tmp_path / "f.json", "misp-event", AddResult([ObjectStatus(i, None, None, "rejected", (r,))
                                                                        for i, r in enumerate(reasons)]))
    counts = rejections_by_reason([
        report("MISP attribute type 'text' has no STIX form (10 attributes)",
               "indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38: 'pattern' is not valid"),
        report("MISP attribute type 'text' has no STIX form (7 attributes)",
               "indicator--0b616fc1-1505-48e3-8b2c-0d19337bff38: 'pattern' is not valid")])
    assert counts == {"MISP attribute type 'text' has no STIX form": 17, "'pattern' is not valid": 2}
