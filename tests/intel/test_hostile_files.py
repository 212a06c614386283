"""Findings 7 and 8 with real files: each file judged alone, size caps, minimal and partly bad MISP events,
CSV values checked at import, exports that survive any valid STIX timestamp."""

from __future__ import annotations

import gzip
import json
import os
import zlib

import orjson
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.detect import load_indicator_files
from cybershield.intel import IntelStore, import_file

from .factory import indicator
from .test_cli import bundle

runner = CliRunner()


def corrupt_gzip() -> bytes:
    """A valid gzip header followed by random deflate data."""
    return gzip.compress(b"{}")[:10] + os.urandom(4096)


def test_a_corrupt_gzip_does_not_stop_the_folder(env):
    folder = env / "drop"
    folder.mkdir()
    (folder / "a-broken.json.gz").write_bytes(corrupt_gzip())
    (folder / "b-good.json").write_text(bundle(indicator(1, tlp="GREEN")))
    result = runner.invoke(app, ["intel", "import", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    files = {f["file"].rsplit("/", 1)[1]: f for f in json.loads(result.stdout)["files"]}
    assert files["b-good.json"]["stored"] == 1
    assert "gzip" in files["a-broken.json.gz"]["error"]


def test_a_gzip_bomb_stops_at_the_cap(tmp_path, db_url):
    bomb = tmp_path / "bomb.json.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    with bomb.open("wb") as out:
        out.write(packer.compress(b'{"type": "bundle", "objects": ["'))
        for _ in range(64):  # 64 MiB of spaces inside a string
            out.write(packer.compress(b" " * (1 << 20)))
        out.write(packer.flush())
    assert bomb.stat().st_size < 200_000
    report = import_file(IntelStore.open(db_url), bomb, max_bytes=4 << 20)
    assert report.error and "limit of 4194304 bytes" in report.error


MINIMAL_MISP = {"Event": {"info": "minimal", "Attribute": [
    {"type": "ip-dst", "value": "198.51.100.7", "to_ids": True},
    {"type": "domain", "value": "bad.example", "to_ids": True, "uuid": "6f1e9c3e-1d2b-4c5a-9e8f-7a6b5c4d3e2f"},
]}}


def test_a_minimal_misp_event_imports(tmp_path, db_url):
    path = tmp_path / "minimal.json"
    path.write_bytes(orjson.dumps(MINIMAL_MISP))
    report = import_file(IntelStore.open(db_url), path)
    assert report.error is None and report.result.counts["stored"] >= 3, report.as_dict()
    objects, rejections = load_indicator_files([path])  # detect --indicators reads it too
    assert sum(o["type"] == "indicator" for o in objects) == 2 and not rejections


def test_a_partly_bad_misp_event_imports_what_is_valid(tmp_path, db_url):
    event = json.loads(json.dumps(MINIMAL_MISP))
    event["Event"]["timestamp"] = "1700000000"
    event["Event"]["Attribute"] += [
        {"type": "ip-dst", "uuid": "0a0b0c0d-1111-4222-8333-444455556666", "to_ids": True},  # no value
        {"type": "ip-src|port", "value": "999.1.1.1|80", "uuid": "1a1b1c1d-1111-4222-8333-444455556666",
         "to_ids": False},  # no STIX form for a bad address
        {"type": "no-such-type", "value": "x", "uuid": "2a2b2c2d-1111-4222-8333-444455556666"},
    ]
    path = tmp_path / "partial.json"
    path.write_bytes(orjson.dumps(event))
    store = IntelStore.open(db_url)
    report = import_file(store, path)
    assert report.error is None, report.error
    indicators = [o for o in store.latest(types=["indicator"])]
    assert len(indicators) == 2
    reasons = [r for s in report.result.rejected for r in s.reasons]
    for uuid in ("0a0b0c0d", "1a1b1c1d", "2a2b2c2d"):
        assert sum(uuid in r for r in reasons) == 1, reasons


def test_csv_values_are_checked_at_import(tmp_path, db_url):
    path = tmp_path / "iocs.csv"
    path.write_text("type,value\nip,999.9.9.9\ndomain,\nip,203.0.113.9\ndomain,evil.example\nmd5,xyz\n")
    store = IntelStore.open(db_url)
    report = import_file(store, path)
    assert report.result.counts["stored"] == 2
    reasons = [r for s in report.result.rejected for r in s.reasons]
    assert len(reasons) == 3
    assert any(":2:" in r and "999.9.9.9" in r for r in reasons)
    assert any(":3:" in r and "empty" in r for r in reasons)


def test_exports_survive_any_valid_stix_timestamp(env):
    late = indicator(1, tlp="GREEN", modified="9999-12-31T23:59:59.999999999Z")
    early = indicator(2, tlp="GREEN", created="0001-01-01T00:00:00.000Z", modified="0001-01-01T00:00:00.000Z",
                      valid_from="0001-01-01T00:00:00Z")
    (env / "odd.json").write_text(bundle(late, early))
    assert runner.invoke(app, ["intel", "import", str(env / "odd.json")]).exit_code == 0
    for fmt in ("misp", "misp-feed", "stix"):
        result = runner.invoke(app, ["intel", "export", "--format", fmt, "--for", "fr-hub", "-o", str(env / fmt)])
        assert result.exit_code == 0, (fmt, result.output)
    misp = orjson.loads((env / "misp").read_bytes())
    assert {a["timestamp"] for a in misp.get("Event", misp)["Attribute"]} == {"253402300799", "-62135596800"}
