"""A hub's TAXII server under uvicorn on 127.0.0.1 (a real socket on a free port), with three accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cybershield.exchange import TaxiiSettings, background_server, create_app, hash_secret
from cybershield.intel import IntelStore, SharingPolicy

PASSWORDS = {"fr-hub": "fr-secret", "be-hub": "be-secret", "charite": "ch-secret"}


def hub_config(name: str = "de-hub", default_tlp: str = "GREEN", **extra) -> dict:
    secret = {peer: hash_secret(pw, iterations=1000) for peer, pw in PASSWORDS.items()}
    return {
        "hub": {"name": name, "default_tlp": default_tlp},
        "taxii": {"max_content_length": 200_000,
                  "collections": {"hub": {"title": "Hub intelligence"}, "inbox": {"title": "From peers"},
                                  "internal": {"title": "Internal"}}},
        "peers": {"fr-hub": {"secret": secret["fr-hub"], "read": ["hub"], "write": ["inbox"]},
                  "be-hub": {"secret": secret["be-hub"], "read": ["hub", "inbox"], "write": ["hub", "inbox"]}},
        "constituents": {"charite": {"secret": secret["charite"], "read": ["hub", "inbox"]}},
        "groups": {"west": ["fr-hub", "be-hub"]},
        **extra,
    }


@dataclass
class Hub:
    url: str
    store: IntelStore
    policy: SharingPolicy
    settings: TaxiiSettings

    def collection_id(self, name: str) -> str:
        return next(c.id for c in self.settings.collections.values() if c.name == name)

    def collection_url(self, name: str) -> str:
        return f"{self.url}/{self.settings.api_root}/collections/{self.collection_id(name)}/"


@pytest.fixture
def hub(db_url, monkeypatch):
    config = hub_config()
    store, policy, settings = IntelStore.open(db_url), SharingPolicy.from_config(config), TaxiiSettings.from_config(config)
    with background_server(create_app(store, policy, settings)) as url:
        yield Hub(url, store, policy, settings)
