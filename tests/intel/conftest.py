"""The environment of a hub as a user's shell has it: a hub configuration and a var folder."""

from __future__ import annotations

import pytest
import yaml

from cybershield.exchange import hash_secret


@pytest.fixture
def env(tmp_path, monkeypatch):
    config = {"hub": {"name": "de-hub", "default_tlp": "AMBER"},
              "peers": {"fr-hub": {"secret": hash_secret("fr-secret", iterations=1000), "read": ["hub"]}},
              "groups": {"west": ["fr-hub"]}}
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CYBERSHIELD_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CYBERSHIELD_HUB_CONFIG", str(tmp_path / "hub.yaml"))
    monkeypatch.delenv("CYBERSHIELD_DB_URL", raising=False)
    return tmp_path
