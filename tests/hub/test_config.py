"""The hub configuration: parsed once into typed objects; every bad value is one clear error naming file and key."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.exchange import hash_secret
from cybershield.hub import ConfigError, load_hub_config, parse_hub_config

SECRET = hash_secret("pw", iterations=1000)

GOOD = f"""
hub: {{name: de-hub, country: de, role: national, default_tlp: tlp:green, timezone: Europe/Berlin}}
service: {{host: 127.0.0.1, port: 8411}}
taxii: {{max_content_length: 200000, collections: {{hub: {{title: Hub}}, inbox: {{title: From peers}}}}}}
peers:
  fr-hub: {{secret: "{SECRET}", read: [hub], write: [inbox], pull: [http://127.0.0.1:1/api1/collections/x/],
           username: de-hub, password_env: FR_PW}}
constituents:
  charite: {{secret: "{SECRET}", read: [hub], sector: health, entity_type: essential}}
groups: {{west: [fr-hub]}}
accounts:
  soc: {{secret: "{SECRET}", rights: [alerts, warnings]}}
  ops: {{secret: "{SECRET}", rights: [admin]}}
archive: {{retention_days: 7}}
ingest: {{max_body_bytes: 1000}}
sigma: {{placeholders: {{admins: [alice, bob]}}}}
"""


def test_good_configuration_is_typed_and_feeds_policy_and_taxii(tmp_path, monkeypatch):
    path = tmp_path / "hub.yaml"
    path.write_text(GOOD)
    config = load_hub_config(path)
    assert (config.name, config.country, config.role, config.default_tlp, config.timezone) == \
        ("de-hub", "DE", "national", "GREEN", "Europe/Berlin")
    assert (config.port, config.archive.retention_days, config.max_body_bytes) == (8411, 7, 1000)
    assert config.constituents["charite"].sector == "health"
    assert config.sigma.placeholders["admins"] == ("alice", "bob")
    # default rights: a peer exchanges, a constituent ingests; admin holds every right
    assert config.rights_of("fr-hub") == {"exchange"}
    assert config.rights_of("charite") == {"ingest"}
    assert config.rights_of("soc") == {"alerts", "warnings"}
    assert "ingest" in config.rights_of("ops") and config.rights_of("nobody") == frozenset()
    with pytest.raises(AttributeError):
        config.name = "other"  # frozen
    policy = config.sharing_policy()
    assert (policy.hub, policy.default_tlp) == ("de-hub", "GREEN")
    assert {n: r.kind for n, r in policy.recipients.items()} == {"fr-hub": "peer", "charite": "constituent",
                                                                  "west": "group"}
    taxii = config.taxii_settings()
    assert set(taxii.accounts) == {"fr-hub", "charite", "soc", "ops"}
    assert taxii.accounts["fr-hub"].write == {"inbox"}
    assert {c.name for c in taxii.collections.values()} == {"hub", "inbox"}
    assert taxii.max_content_length == 200_000
    monkeypatch.setenv("FR_PW", "s3cret")
    (link,) = config.peer_links()
    assert (link.name, link.username, link.password) == ("fr-hub", "de-hub", "s3cret")


def test_missing_file_gives_the_defaults(tmp_path):
    config = load_hub_config(tmp_path / "absent.yaml")
    assert (config.name, config.role, config.default_tlp, config.archive.retention_days) == ("hub", "national", "AMBER", 30)
    assert config.logins == {} and config.network.readiness_share_seconds == 3600


@pytest.mark.parametrize(("text", "key", "words"), [
    ("hub: {name: x, colour: red}", "hub.colour", "unknown key"),
    ("nonsense: 1", "nonsense", "unknown key"),
    ("hub: {country: XX}", "hub.country", "ISO 3166"),
    ("hub: {country: Germany}", "hub.country", "ISO 3166"),
    ("hub: {role: regional}", "hub.role", "national, cross-border"),
    ("hub: {default_tlp: PURPLE}", "hub.default_tlp", "TLP"),
    ("hub: {timezone: Mars/Olympus}", "hub.timezone", "time zone"),
    ("service: {port: 70000}", "service.port", "out of range"),
    ("service: {port: eighty}", "service.port", "whole number"),
    ("archive: {retention_days: 0}", "archive.retention_days", "out of range"),
    ("peers: [a, b]", "peers", "mapping"),
    ("peers: {fr: {read: [nope]}}", "peers.fr.read", "unknown: nope"),
    ("accounts: {soc: {rights: [root]}}", "accounts.soc.rights", "unknown: root"),
    ("accounts: {soc: {secret: x, rigths: [alerts]}}", "accounts.soc.rigths", "unknown key"),
    ("constituents: {c: {sector: knitting}}", "constituents.c.sector", "not one of"),
    ("constituents: {c: {networks: [10.0.0.0/33]}}", "constituents.c.networks", "10.0.0.0/33"),
    ("constituents: {c: {networks: 10.0.0.0/8x}}", "constituents.c.networks", "10.0.0.0/8x"),
    ("constituents: {c: {sensitivity: secret}}", "constituents.c.sensitivity", "not one of"),
    ("groups: {g: [nobody]}", "groups.g", "unknown: nobody"),
    ("peers: {a: {}}\naccounts: {a: {}}", "accounts.a", "unique"),
    ("taxii: {collections: {hub: {id: not-a-uuid}}}", "taxii.collections.hub.id", "UUID"),
    ("detect: {indicator_reload_seconds: 0}", "detect.indicator_reload_seconds", "out of range"),
    ("detect: {indicator_reload_seconds: soon}", "detect.indicator_reload_seconds", "seconds"),
    ("network: {readiness_share_seconds: 0}", "network.readiness_share_seconds", "out of range"),
    ("- just\n- a list", "", "mapping"),
])
def test_bad_values_name_the_file_and_key(tmp_path, text, key, words):
    path = tmp_path / "hub.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_hub_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert caught.value.key == key and words in message, message


def test_malformed_yaml_is_one_error_with_the_line(tmp_path):
    path = tmp_path / "hub.yaml"
    path.write_text("hub:\n  name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML \(line \d+"):
        load_hub_config(path)


def test_a_folder_is_not_a_configuration(tmp_path):
    with pytest.raises(ConfigError, match="not a file"):
        load_hub_config(tmp_path)


def test_parse_accepts_a_document():
    assert parse_hub_config({"hub": {"name": "fr-hub", "role": "cross-border"}}).role == "cross-border"


def test_hub_check_command(tmp_path):
    path = tmp_path / "hub.yaml"
    path.write_text(GOOD)
    result = CliRunner().invoke(app, ["hub", "check", "--config", str(path), "--json"])
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)
    assert (described["name"], described["country"], described["accounts"]["ops"]["rights"]) == \
        ("de-hub", "DE", ["admin", "alerts", "exchange", "incidents", "ingest", "warnings"])
    assert SECRET not in result.stdout  # no secrets
    assert CliRunner().invoke(app, ["hub", "check", "--config", str(path)]).exit_code == 0
    path.write_text("hub: {role: boss}\n")
    bad = CliRunner().invoke(app, ["hub", "check", "--config", str(path)])
    assert bad.exit_code == 2 and "hub.role" in bad.output


def test_run_with_a_bad_configuration_exits_2_before_any_work(tmp_path, monkeypatch):
    (tmp_path / "hub.yaml").write_text("archive: {retention_days: -3}\n")
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(tmp_path / "hub.yaml"))
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CYBERSHIELD_DATA", str(tmp_path / "absent"))
    result = CliRunner().invoke(app, ["run", "--json"])
    assert result.exit_code == 2 and "archive.retention_days" in result.output
    assert not (tmp_path / "var" / "sample-telemetry").exists()
