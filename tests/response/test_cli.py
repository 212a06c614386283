"""The incident, reserve and attribute commands as a user runs them: JSON shapes, exit codes, tampering found."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from cybershield.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(tmp_path / "hub.yaml"))
    (tmp_path / "hub.yaml").write_text("hub: {name: hub-be, timezone: Europe/Brussels}\n")
    return tmp_path


def run(*args: str, code: int = 0) -> dict | None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return orjson.loads(result.stdout) if "--json" in args and code == 0 else result


def test_incident_commands_end_to_end(env):
    opened = run("incident", "open", "--title", "Ransomware", "--aware-at", "2027-01-28T10:00:00+01:00",
                 "--entity-type", "essential", "--sector", "health", "--json")
    iid = opened["id"]
    assert opened["status"] == "new" and opened["aware_at"] == "2027-01-28T09:00:00Z"
    run("incident", "update", iid, "--status", "triage", "--suspected-malicious", "--observable",
        "ipv4-addr=203.0.113.9", "--technique", "T1486,T1566.001", "--impact", "EHR down", "--json")
    clock = run("incident", "clock", iid, "--json")
    assert clock["deadlines"] == {"early_warning": "2027-01-29T09:00:00Z", "notification": "2027-01-31T09:00:00Z",
                                  "intermediate": None, "final_report": None, "progress_report": None}
    run("incident", "submit", iid, "--report", "notification", "--at", "2027-01-31T09:30:00+01:00", "--json")
    assert run("incident", "clock", iid, "--json")["deadlines"]["final_report"] == "2027-02-28T08:30:00Z"
    for kind, name in (("early-warning", "ew.json"), ("notification", "n.stix.json"), ("final", "f.html")):
        written = run("incident", "report", iid, "--kind", kind, "--out", str(env / name), "--json")
        assert written["format"] == {"json": "json", "stix.json": "stix", "html": "html"}[name.split(".", 1)[1]]
    assert orjson.loads((env / "ew.json").read_bytes())["fields"]["suspected_malicious"] is True
    assert any(o["type"] == "incident" for o in orjson.loads((env / "n.stix.json").read_bytes())["objects"])
    assert "EHR down" in (env / "f.html").read_text()
    listed = run("incident", "list", "--json")
    assert [i["id"] for i in listed["incidents"]] == [iid]
    assert run("incident", "show", iid, "--json")["clock"]["submitted"]["notification"] == "2027-01-31T08:30:00Z"
    assert run("incident", "verify", "--json")["intact"] is True
    review = run("incident", "update", iid, "--severity", "critical", "--lesson", "MFA", "--json")
    assert review["lessons"] == ["MFA"]
    packaged = run("incident", "review", iid, "--out", str(env / "review"), "--json")
    assert (env / "review" / "review.html").is_file() and packaged["techniques"] == ["T1486", "T1566.001"]


def test_tampering_is_reported_with_exit_1(env):
    iid = run("incident", "open", "--title", "x", "--aware-at", "2027-01-28T10:00:00Z", "--entity-type",
              "important", "--json")["id"]
    run("incident", "update", iid, "--note", "first", "--json")
    engine = create_engine(f"sqlite:///{env / 'var' / 'cybershield.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET entry = replace(entry, 'first', 'forged') WHERE seq = 2"))
    result = run("incident", "verify", "--json", code=1)
    assert orjson.loads(result.stdout)["findings"] == [
        {"seq": 2, "problem": "changed", "detail": "entry 2: its content no longer gives its hash"}]


@pytest.mark.parametrize("args, reason", [
    (("incident", "open", "--title", "x", "--aware-at", "soon", "--entity-type", "essential"), "ISO 8601"),
    (("incident", "open", "--title", "x", "--aware-at", "2027-01-01T00:00:00Z", "--entity-type", "vital"), "entity type"),
    (("incident", "show", "INC-NONE"), "no incident"),
    (("incident", "report", "INC-NONE", "--kind", "final"), "no incident"),
    (("reserve", "status", "RSV-NONE"), "no Reserve request"),
    (("attribute",), "give --techniques"),
])
def test_bad_input_exits_2_with_a_reason(env, args, reason):
    result = run(*args, code=2)
    assert reason in result.output


def test_reserve_commands(env):
    (env / "providers.json").write_text(orjson.dumps([{"id": "p1", "name": "Forensics BV", "capabilities": ["forensics"],
                                                       "countries": ["BE"], "languages": ["en"]}]).decode())
    assert run("reserve", "providers", "--load", str(env / "providers.json"), "--json")["loaded"]["added"] == 1
    iid = run("incident", "open", "--title", "x", "--aware-at", "2027-01-28T10:00:00Z", "--entity-type", "essential",
              "--severity", "critical", "--country", "BE", "--entity", "Hospital", "--json")["id"]
    request = run("reserve", "request", iid, "--need", "forensics", "--use", "scope it", "--measure", "isolated",
                  "--at", "2027-01-28T12:00:00Z", "--json")
    assert request["priority"] == 70.0 and request["answer_due"] == "2027-01-30T12:00:00Z"
    assert request["candidates"][0]["in_country"] is True
    assigned = run("reserve", "assign", request["id"], "--provider", "p1", "--at", "2027-01-29T09:00:00Z", "--json")
    assert assigned["status"] == "assigned"
    assert run("reserve", "status", "--json")["requests"][0]["provider"] == "p1"


def test_attribute_command_shapes(env, shared_data, tmp_path):
    ranking = run("attribute", "--techniques", "T1566.001,T1059.001", "--software", "S0154", "--top", "3", "--json")
    assert len(ranking["candidates"]) == 3
    assert set(ranking["candidates"][0]) >= {"id", "name", "score", "confidence", "evidence"}
    batch = tmp_path / "cases.jsonl"
    batch.write_text('{"techniques": ["T1486"]}\n{"techniques": ["T1021.001"], "software": ["Mimikatz"]}\nnot json\n')
    result = runner.invoke(app, ["attribute", "--batch", str(batch), "--json", "--top", "2"])
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 2 and len(lines) == 3
    assert [len(x.get("candidates", [])) for x in lines] == [2, 2, 0] and lines[2]["line"] == 3


def test_attribute_without_the_bundle(env, monkeypatch, tmp_path):
    monkeypatch.setenv("CYBERSHIELD_DATA", str(tmp_path / "nothing"))
    result = run("attribute", "--techniques", "T1486", code=2)
    assert "needs the MITRE ATT&CK Enterprise bundle" in result.output
