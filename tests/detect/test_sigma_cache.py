"""The compiled-rule cache: a warm start gives what a cold one does, only changed files are compiled
again, entries are checked data (not pickles), and the CLI can bypass and clear it."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.detect.sigma import RuleCache, SigmaDetector, clear
from cybershield.detect.sigma.compile import rule_to_data

from .sigma_helpers import SYSMON, batch, rule, sysmon

RULES = {
    "whoami.yml": rule("Whoami", "sel:\n  Image|endswith: '\\whoami.exe'\ncondition: sel"),
    "encoded.yml": rule("Encoded", "sel:\n  CommandLine|contains|all:\n    - ' -enc '\n    - powershell\ncondition: sel"),
    "net.yml": rule("Net user", "sel:\n  Image|endswith: '\\net.exe'\n  CommandLine|contains: user\n"
                    "filter:\n  User|expand: '%admins%'\ncondition: sel and not filter"),
}
EVENTS = [sysmon(Image="C:\\Windows\\System32\\whoami.exe"),
          sysmon(Image="C:\\p\\powershell.exe", CommandLine="powershell -enc AAA"),
          sysmon(Image="C:\\Windows\\net.exe", CommandLine="net user x", User="CORP\\eve"),
          sysmon(Image="C:\\Windows\\net.exe", CommandLine="net user y", User="CORP\\alice")]


def _write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _state(det: SigmaDetector) -> tuple:
    """What the detector compiled (rules with their leaves resolved) and what it finds."""
    leaves = det.evaluator.leaves
    rules = sorted(orjson.dumps(rule_to_data(r) | {"leaves": sorted(repr(leaves[i]) for i in r.leaves)},
                                 option=orjson.OPT_SORT_KEYS, default=repr) for r in det.rules)
    fired = sorted((a.rule_title, a.events[0].record_id) for a in det.detect(batch(*EVENTS)))
    return rules, fired, sorted(f.reason for f in det.failures)


def test_warm_start_equals_cold_and_compiles_nothing(tmp_path):
    folder = _write(tmp_path / "rules", RULES)
    ph = {"admins": ["corp\\alice"]}
    cold = SigmaDetector([folder], ph, RuleCache(tmp_path / "cache", ph))
    warm = SigmaDetector([folder], ph, RuleCache(tmp_path / "cache", ph))
    plain = SigmaDetector([folder], ph)
    assert cold.compiled_files == 3 and warm.compiled_files == 0 and warm.cache.hits == 3
    assert _state(cold) == _state(warm) == _state(plain)
    assert _state(warm)[1] == [("Encoded", 2), ("Net user", 3), ("Whoami", 1)]


def test_only_changed_or_added_files_are_compiled(tmp_path):
    folder = _write(tmp_path / "rules", RULES)
    SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    (folder / "whoami.yml").write_text(RULES["whoami.yml"].replace("whoami.exe", "hostname.exe"))
    (folder / "encoded.yml").unlink()
    _write(folder, {"new.yml": rule("New", "sel:\n  Image|endswith: '\\calc.exe'\ncondition: sel")})
    det = SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    assert det.compiled_files == 2 and det.cache.hits == 1  # net.yml unchanged
    assert {r.title for r in det.rules} == {"Whoami", "Net user", "New"}
    # whoami.exe no longer matches; without admins the placeholder is the wildcard, so the filter takes every user
    assert _state(det)[1] == []


def test_a_new_pipeline_input_misses_every_entry(tmp_path):
    folder = _write(tmp_path / "rules", RULES)
    SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    ph = {"admins": ["corp\\eve"]}
    det = SigmaDetector([folder], ph, RuleCache(tmp_path / "cache", ph))
    assert det.compiled_files == 3
    assert ("Net user", 4) in _state(det)[1] and ("Net user", 3) not in _state(det)[1]


def test_damaged_entries_are_compiled_again_and_never_executed(tmp_path, caplog):
    folder = _write(tmp_path / "rules", RULES)
    SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    entries = sorted((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 3
    digest, _, payload = entries[0].read_bytes().partition(b"\n")
    assert isinstance(orjson.loads(payload), dict)  # data, not a pickle
    entries[0].write_bytes(digest + b"\n" + payload + b" ")  # still JSON, but the checksum no longer fits
    entries[1].write_bytes(b"\x80\x04garbage")
    det = SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    assert det.compiled_files == 2 and "damaged" in caplog.text
    assert _state(det)[1] == [("Encoded", 2), ("Whoami", 1)]
    assert SigmaDetector([folder], cache=RuleCache(tmp_path / "cache")).compiled_files == 0  # rewritten


def test_failures_are_cached_with_their_reasons(tmp_path):
    folder = _write(tmp_path / "rules", {"bad.yml": "title: [unclosed\n", "ok.yml": RULES["whoami.yml"],
                                         "bad_rule.yml": rule("Bad", "sel:\n  Image|nosuchmodifier: x\ncondition: sel")})
    cold = SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    warm = SigmaDetector([folder], cache=RuleCache(tmp_path / "cache"))
    assert len(cold.failures) == 2 and sorted(f.reason for f in cold.failures) == sorted(f.reason for f in warm.failures)


def test_cli_uses_clears_and_bypasses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    folder = _write(tmp_path / "rules", RULES)
    log = tmp_path / "events.json"
    log.write_text(orjson.dumps({"EventID": 1, "Channel": SYSMON, "Image": "C:\\x\\whoami.exe"}).decode() + "\n")
    runner = CliRunner()

    def detect(*extra):
        result = runner.invoke(app, ["detect", str(log), "--rules", str(folder), "--json", *extra])
        assert result.exit_code == 0, result.output
        summary = orjson.loads(result.stdout.splitlines()[-1])
        return summary["alerts"], summary["detectors"][0]["rule_files_compiled"]

    assert detect() == (1, 3)
    assert detect() == (1, 0)
    assert detect("--no-cache") == (1, 3)
    cleared = runner.invoke(app, ["cache", "clear", "--json"])
    assert orjson.loads(cleared.stdout)["entries_removed"] == 3
    assert detect() == (1, 3)
    assert clear(tmp_path / "nothing-here") == 0


def test_cli_placeholders_file_and_bad_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    folder = _write(tmp_path / "rules", {"net.yml": RULES["net.yml"]})
    log = tmp_path / "events.json"
    log.write_text("".join(orjson.dumps({"EventID": 1, "Channel": SYSMON, "Image": "C:\\net.exe", "CommandLine": "net user",
                                         "User": user}).decode() + "\n" for user in ("CORP\\alice", "CORP\\eve")))
    values = tmp_path / "placeholders.yml"
    values.write_text("admins:\n  - CORP\\alice\n")
    runner = CliRunner()
    result = runner.invoke(app, ["detect", str(log), "--rules", str(folder), "--json", "--placeholders", str(values)])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout.splitlines()[-1])["alerts"] == 1  # alice is an admin: filtered
    hub = tmp_path / "hub.yaml"  # without --placeholders: the hub configuration's values
    hub.write_text("sigma:\n  placeholders:\n    admins: [CORP\\eve, CORP\\alice]\n")
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(hub))
    result = runner.invoke(app, ["detect", str(log), "--rules", str(folder), "--json", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout.splitlines()[-1])["alerts"] == 0
    values.write_text("admins: {nested: mapping}\n")
    result = runner.invoke(app, ["detect", str(log), "--rules", str(folder), "--placeholders", str(values)])
    assert result.exit_code == 2 and "admins" in result.output
