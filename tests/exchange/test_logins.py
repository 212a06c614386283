"""Finding 6: logins cost the same for unknown and known names, hashing never blocks the server, and
failed logins are limited per account and per address with 429 and Retry-After."""

from __future__ import annotations

import hashlib
import threading

import pytest
import requests

from cybershield.exchange import TAXII, TaxiiSettings, background_server, create_app, hash_secret
from cybershield.hub import ConfigError, parse_hub_config
from cybershield.intel import IntelStore, SharingPolicy

from .conftest import PASSWORDS, hub_config


class Spy:
    """Counts PBKDF2 runs (and their iterations) while calling the real one."""

    def __init__(self, monkeypatch):
        self.real, self.calls, self.started, self.finished = hashlib.pbkdf2_hmac, [], 0, 0
        monkeypatch.setattr(hashlib, "pbkdf2_hmac", self)

    def __call__(self, name, secret, salt, iterations, *args):
        self.calls.append(iterations)
        self.started += 1
        try:
            return self.real(name, secret, salt, iterations, *args)
        finally:
            self.finished += 1


@pytest.fixture
def server(tmp_path, monkeypatch):

    def start(**taxii):
        config = hub_config()
        config["taxii"] |= taxii
        return background_server(create_app(IntelStore.open(f"sqlite:///{tmp_path / 'hub.db'}"),
                                            SharingPolicy.from_config(config), TaxiiSettings.from_config(config)))
    return start


def get(url: str, user: str, password: str) -> requests.Response:
    return requests.get(f"{url}/taxii2/", auth=(user, password), headers={"Accept": TAXII}, timeout=60)


def test_unknown_and_known_names_cost_the_same(server, monkeypatch):
    with server() as url:
        spy = Spy(monkeypatch)
        assert get(url, "nobody", "guess").status_code == 401
        unknown = list(spy.calls)
        spy.calls.clear()
        assert get(url, "fr-hub", "wrong").status_code == 401
        assert unknown == spy.calls == [1000], "an unknown name must be hashed like a known one"
        spy.calls.clear()
        for _ in range(3):  # the right secret is hashed once, then remembered
            assert get(url, "fr-hub", PASSWORDS["fr-hub"]).status_code == 200
        assert spy.calls == [1000]


def test_hashing_does_not_block_other_clients(server, monkeypatch, tmp_path):
    slow = hash_secret("slow-secret", iterations=3_000_000)
    config_accounts = {"peers": {"slow-hub": {"secret": slow, "read": ["hub"]}}}
    config = hub_config(**config_accounts)
    config["peers"] |= hub_config()["peers"]
    app = create_app(IntelStore.open(f"sqlite:///{tmp_path / 'hub.db'}"), SharingPolicy.from_config(config),
                     TaxiiSettings.from_config(config))
    with background_server(app) as url:
        assert get(url, "fr-hub", PASSWORDS["fr-hub"]).status_code == 200  # remembered from now on
        spy = Spy(monkeypatch)
        attackers = [threading.Thread(target=get, args=(url, "slow-hub", f"wrong {n}")) for n in range(2)]
        for attacker in attackers:
            attacker.start()
        while spy.started < 2:
            threading.Event().wait(0.005)
        answer = get(url, "fr-hub", PASSWORDS["fr-hub"])
        finished_then = spy.finished
        for attacker in attackers:
            attacker.join()
        assert answer.status_code == 200
        assert finished_then == 0, "a verified client waited for other clients' password hashing"


def test_failed_logins_are_limited_per_account_and_address(server):
    with server(login_limits={"account_failures": 3, "address_failures": 6, "window": 600}) as url:
        assert get(url, "charite", PASSWORDS["charite"]).status_code == 200  # a client already logged in
        for _ in range(3):
            assert get(url, "fr-hub", "wrong").status_code == 401
        refused = get(url, "fr-hub", PASSWORDS["fr-hub"])
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "fr-hub" in refused.json()["description"]
        assert get(url, "be-hub", PASSWORDS["be-hub"]).status_code == 200  # another account is not locked
        for name in ("eve", "mallory", "trudy"):
            assert get(url, name, "guess").status_code == 401
        refused = get(url, "oscar", "guess")
        assert refused.status_code == 429 and "address" in refused.json()["description"]
        assert get(url, "be-hub", PASSWORDS["be-hub"]).status_code == 200  # remembered: no hashing, no limit
        assert get(url, "charite", PASSWORDS["charite"]).status_code == 200


def test_the_hub_configuration_carries_the_limits_and_the_cursor_secret(tmp_path):
    config = parse_hub_config({"taxii": {"cursor_secret": "s3cret", "login_limits": {"account_failures": 3}}},
                              tmp_path / "hub.yaml")
    settings = config.taxii_settings()
    assert (settings.cursor_secret, settings.login_limits.account_failures) == ("s3cret", 3)
    with pytest.raises(ConfigError, match="unknown key"):
        parse_hub_config({"taxii": {"login_limits": {"lockout": 1}}}, tmp_path / "hub.yaml")
