"""Hub identity and keys: encrypted at rest, passphrase handling, rotation, bundles, the CLI."""

from __future__ import annotations

import logging
import stat
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from typer.testing import CliRunner

from cybershield.cli import app
from cybershield.exchange import PASSPHRASE_ENV, HubIdentity, KeyBundle, Keyring, KeyStore, KeyStoreError
from cybershield.exchange import keys as keys_module
from cybershield.exchange.algorithms import b64
from cybershield.exchange.keys import ENDORSEMENT_CONTEXT
from cybershield.intel import validate

PASSPHRASE = "correct horse battery staple"
DEFAULT_ARGON2 = dict(keys_module.ARGON2)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Argon2id at 1 MiB and one pass keeps these tests fast; the file records the parameters it was made with."""
    monkeypatch.setattr(keys_module, "ARGON2", {**DEFAULT_ARGON2, "iterations": 1, "lanes": 1, "memory_cost": 1024})


def identity(name: str = "de-hub") -> HubIdentity:
    return HubIdentity.new(name, "de", "national")


def test_private_keys_are_encrypted_at_rest_and_load_back(tmp_path, monkeypatch):
    store = KeyStore(tmp_path / "keys")
    monkeypatch.setattr(keys_module, "ARGON2", DEFAULT_ARGON2)  # this test runs the real setting
    keys = store.init(identity(), PASSPHRASE)
    files = list(store.private_dir.iterdir())
    assert [f.name for f in files] == [f"{keys.current.key_id}.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    content = files[0].read_bytes()
    assert orjson.loads(content)["kdf"]["memory_cost"] == 64 * 1024 and orjson.loads(content)["aead"] == "AES-256-GCM"
    for key in keys.current.keys.values():
        raw = key.private_bytes_raw()
        assert raw not in content and b64(raw).encode() not in content and raw.hex().encode() not in content
    loaded = store.load(PASSPHRASE)
    assert loaded.current.key_id == keys.current.key_id
    signature = loaded.current.sign(b"message", ENDORSEMENT_CONTEXT)
    assert keys.current.public.verify(signature, ["Ed25519", "ML-DSA-65"], b"message", ENDORSEMENT_CONTEXT) is None
    assert keys.current.public.verify(signature, ["Ed25519", "ML-DSA-65"], b"other", ENDORSEMENT_CONTEXT) \
        == "Ed25519 signature invalid"


def test_a_wrong_passphrase_fails_clearly(tmp_path):
    store = KeyStore(tmp_path)
    store.init(identity(), PASSPHRASE)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.load("not the passphrase")
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.rotate(passphrase="not the passphrase")
    assert len(store.bundle().keys) == 1


def test_without_the_variable_a_generated_passphrase_is_kept_beside_the_keys(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    store = KeyStore(tmp_path / "keys")
    with caplog.at_level(logging.WARNING):
        keys = store.init(identity())
    assert PASSPHRASE_ENV in caplog.text
    assert stat.S_IMODE(store.passphrase_path.stat().st_mode) == 0o600
    assert store.load().current.key_id == keys.current.key_id
    monkeypatch.setenv(PASSPHRASE_ENV, "an operator's passphrase")  # the variable wins over the file
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.load()


def test_with_the_variable_no_passphrase_file_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    store = KeyStore(tmp_path)
    store.init(identity())
    assert not store.passphrase_path.exists()
    assert store.load().name == "de-hub"
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(KeyStoreError, match=PASSPHRASE_ENV):
        store.load()


def test_init_twice_and_missing_or_damaged_files_fail_clearly(tmp_path):
    store = KeyStore(tmp_path)
    with pytest.raises(KeyStoreError, match="hub keys init"):
        store.bundle()
    keys = store.init(identity(), PASSPHRASE)
    with pytest.raises(KeyStoreError, match="already exist"):
        store.init(identity(), PASSPHRASE)
    (store.private_dir / f"{keys.current.key_id}.json").write_text("{not json")
    with pytest.raises(KeyStoreError, match="not a private key file"):
        store.load(PASSPHRASE)
    document = orjson.loads(store.public_path.read_bytes())
    document["keys"][0]["public_keys"]["ML-DSA-65"] = b64(b"\x01" * 1952)
    store.public_path.write_bytes(orjson.dumps(document))
    with pytest.raises(KeyStoreError, match="not the fingerprint"):
        store.bundle()


def test_rotation_endorses_the_new_keys_and_keeps_the_old_valid_for_the_overlap(tmp_path):
    store = KeyStore(tmp_path)
    first = store.init(identity(), PASSPHRASE)
    now = datetime.now(UTC)
    rotated = store.rotate(timedelta(hours=6), PASSPHRASE, now=now)
    old, new = rotated.generations
    assert old.key_id == first.current.key_id and new.key_id != old.key_id
    assert old.public.expires == now + timedelta(hours=6) and new.public.expires is None
    assert old.public.valid_at(now + timedelta(hours=5)) and not old.public.valid_at(now + timedelta(hours=7))
    assert new.public.endorsement.key_id == old.key_id
    bundle = store.bundle()
    assert [k.key_id for k in bundle.keys] == [old.key_id, new.key_id]
    peer = Keyring([KeyBundle(first.identity, (first.current.public,))])  # a peer that knew only the first key
    assert peer.check_endorsement(bundle.keys[1], ["Ed25519", "ML-DSA-65"], now) is None
    peer.add(bundle)
    assert peer.encryption_key("de-hub").key_id == new.key_id
    assert peer.encryption_key("de-hub", now - timedelta(days=1)).key_id == new.key_id
    assert peer.key("de-hub", old.key_id).expires == old.public.expires
    assert [g.key_id for g in store.load(PASSPHRASE).generations] == [old.key_id, new.key_id]


def test_the_identity_is_a_valid_stix_identity_and_round_trips():
    hub = HubIdentity.new("eu-west", "BE", "cross-border")
    document = hub.stix()
    verdict = validate(document)
    assert verdict.valid, verdict.errors
    assert document["x_cybershield_role"] == "cross-border" and document["roles"] == ["cross-border-cyber-hub"]
    assert HubIdentity.from_stix(document) == hub
    assert HubIdentity.new("eu-west", "FR", "national").stix_id == hub.stix_id  # the id follows the name
    with pytest.raises(ValueError, match="identity id"):
        HubIdentity.from_stix({**document, "name": "eu-east"})


@pytest.mark.parametrize(("name", "country", "role", "message"), [
    ("", "DE", "national", "hub name"), ("de hub/../x", "DE", "national", "hub name"),
    ("de-hub", "DEU", "national", "country"), ("de-hub", 49, "national", "country"),
    ("de-hub", "DE", "regional", "role"),
])
def test_a_bad_identity_is_refused(name, country, role, message):
    with pytest.raises(ValueError, match=message):
        HubIdentity.new(name, country, role)


def test_bundles_and_keyrings_round_trip_through_json(tmp_path):
    store = KeyStore(tmp_path / "keys")
    keys = store.init(identity(), PASSPHRASE)
    bundle = KeyBundle.from_json(orjson.loads(orjson.dumps(keys.bundle().to_json())))
    assert bundle.keys[0].keys == keys.current.public.keys
    ring = Keyring([bundle], path=tmp_path / "keyring.json")
    ring.add(bundle)
    again = Keyring.load(tmp_path / "keyring.json")
    assert again.hubs() == ["de-hub"] and again.key("de-hub", keys.current.key_id) is not None
    for bad in ({}, {"format": "cybershield-key-bundle/1", "identity": keys.identity.stix(), "keys": []},
                {"format": "cybershield-key-bundle/1", "identity": {"type": "identity"}, "keys": []}):
        with pytest.raises(ValueError):
            KeyBundle.from_json(bad)


def test_cli_init_show_rotate(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    runner = CliRunner()
    folder = str(tmp_path / "keys")
    result = runner.invoke(app, ["hub", "keys", "init", "--name", "fr-hub", "--country", "FR", "--keys-dir", folder, "--json"])
    assert result.exit_code == 0, result.output
    created = orjson.loads(result.stdout)
    assert created["identity"]["x_cybershield_country"] == "FR" and len(created["keys"]) == 1
    result = runner.invoke(app, ["hub", "keys", "rotate", "--overlap-hours", "2", "--keys-dir", folder, "--json"])
    assert result.exit_code == 0, result.output
    rotated = orjson.loads(result.stdout)
    assert [k["key_id"] for k in rotated["keys"]][0] == created["keys"][0]["key_id"]
    assert rotated["keys"][1]["endorsed_by"]["key_id"] == created["keys"][0]["key_id"]
    shown = runner.invoke(app, ["hub", "keys", "show", "--keys-dir", folder, "--json"])
    assert orjson.loads(shown.stdout) == rotated
    assert runner.invoke(app, ["hub", "keys", "show", "--keys-dir", folder]).exit_code == 0
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    result = runner.invoke(app, ["hub", "keys", "rotate", "--keys-dir", folder])
    assert result.exit_code == 2 and "wrong passphrase" in result.output
    result = runner.invoke(app, ["hub", "keys", "init", "--name", "x", "--country", "Germany", "--keys-dir", str(tmp_path / "k2")])
    assert result.exit_code == 2 and "country" in result.output
    assert runner.invoke(app, ["hub", "keys", "show", "--keys-dir", str(tmp_path / "none")]).exit_code == 2
