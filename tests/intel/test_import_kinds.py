"""``intel import`` of MISP events and indicator CSV, and ``intel export`` as MISP JSON and a MISP feed."""

from __future__ import annotations

import json
import os
import time

from typer.testing import CliRunner

from cybershield.cli import app

runner = CliRunner()
MISP = "intel/misp/pymisp/tests/reportlab_testfiles"


def _import(*paths) -> dict:
    result = runner.invoke(app, ["intel", "import", *map(str, paths), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_misp_events_import_once_and_again_unchanged(env, shared_data):  # noqa: F811
    sample = shared_data / MISP / "sighting_1.json"
    first = _import(sample)["files"][0]
    assert first["kind"] == "misp-event" and first["stored"] > 0 and "updated" not in first
    again = _import(sample)["files"][0]
    assert again.get("stored", 0) == again.get("updated", 0) == 0 and again["unchanged"] == first["stored"]


def test_misp_attributes_without_stix_form_are_reported_as_rejected(env, shared_data):  # noqa: F811
    report = _import(shared_data / MISP / "long_event.json")["files"][0]
    reasons = [r for o in report["rejected_objects"] for r in o["reasons"]]
    assert "MISP attribute type 'ssdeep' has no STIX form (1 attributes)" in reasons
    assert report["rejected"] == len(report["rejected_objects"])


def test_indicator_csv_rows_land_or_are_rejected_with_their_line(env):  # noqa: F811
    path = env / "iocs.csv"
    path.write_text("type,value,name\nip,198.51.100.7,bad host\nnope,x,\ndomain,evil.example,\n")
    stamp = time.time() - 3600
    os.utime(path, (stamp, stamp))
    report = _import(path)["files"][0]
    assert report["kind"] == "indicator-csv" and report["stored"] == 2
    assert report["rejected_objects"][0]["reasons"] == [f"{path}:3: unknown type 'nope'"]
    assert _import(path)["files"][0]["unchanged"] == 2  # same file, same versions


def test_export_as_misp_event_and_feed_through_the_gate(env, tmp_path):  # noqa: F811
    path = env / "iocs.csv"
    path.write_text("type,value\nip,198.51.100.7\ndomain,evil.example\n")
    _import(path)  # unmarked: the hub's default (AMBER in the fixture's config) applies
    out = tmp_path / "event.json"
    community = runner.invoke(app, ["intel", "export", "--format", "misp", "--out", str(out), "--json"])
    assert community.exit_code == 0, community.output
    assert json.loads(out.read_text()).get("Attribute", []) == []  # AMBER never goes to the community
    result = runner.invoke(app, ["intel", "export", "--format", "misp", "--for", "fr-hub", "--out", str(out)])
    assert result.exit_code == 0, result.output
    values = {a["value"] for a in json.loads(out.read_text())["Attribute"]}
    assert values == {"198.51.100.7", "evil.example"}
    feed = tmp_path / "feed"
    result = runner.invoke(app, ["intel", "export", "--format", "misp-feed", "--for", "fr-hub", "--out", str(feed)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((feed / "manifest.json").read_text())
    (uuid, entry), = manifest.items()
    assert entry["Orgc"]["name"] and (feed / f"{uuid}.json").is_file()
    assert len((feed / "hashes.csv").read_text().splitlines()) == 2
    assert runner.invoke(app, ["intel", "export", "--format", "misp-feed"]).exit_code == 2  # a feed needs --out
