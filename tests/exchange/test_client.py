"""Pulling and pushing: peers that are down, hang or fail for a while never block the hub."""

from __future__ import annotations

import socket
import threading
import time

from starlette.responses import Response

from cybershield.exchange import Exchange, PeerLink, TaxiiSettings, background_server, create_app, peer_links
from cybershield.intel import IntelStore, SharingPolicy
from cybershield.storage import read_bookmark

from ..intel.factory import indicator
from .conftest import PASSWORDS, hub_config


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingServer:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api1/collections/x/"

    def close(self):
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_a_peer_that_is_down_fails_fast_with_backoff(tmp_path):
    store = IntelStore.open(f"sqlite:///{tmp_path / 'hub.db'}")
    waits: list[float] = []
    exchange = Exchange(store, SharingPolicy("de-hub"), timeout=1, retries=3, backoff=0.5, sleep=waits.append)
    url = f"http://127.0.0.1:{closed_port()}/api1/collections/x/"
    transfer = exchange.pull(PeerLink("fr-hub", pull=(url,)), url)
    assert "ConnectionError" in transfer.error
    assert waits == [0.5, 1.0]


def test_a_hanging_peer_times_out_and_the_others_still_sync(hub, tmp_path):
    hub.store.add([indicator(n) for n in range(5)])
    hanging = HangingServer()
    try:
        store = IntelStore.open(f"sqlite:///{tmp_path / 'hub-b.db'}")
        exchange = Exchange(store, SharingPolicy("be-hub"), timeout=0.5, retries=2, backoff=0.1)
        links = [PeerLink("stuck-hub", pull=(hanging.url,)),
                 PeerLink("de-hub", pull=(hub.collection_url("hub"),), username="be-hub", password=PASSWORDS["be-hub"])]
        started = time.monotonic()
        transfers = {t.peer: t for t in exchange.sync(links)}
        assert time.monotonic() - started < 10
        assert "Timeout" in transfers["stuck-hub"].error
        assert transfers["de-hub"].error is None and transfers["de-hub"].counts == {"stored": 5}
    finally:
        hanging.close()


def test_a_flaky_peer_is_retried(db_url, tmp_path):
    config = hub_config()
    store, policy, settings = IntelStore.open(db_url), SharingPolicy.from_config(config), TaxiiSettings.from_config(config)
    store.add([indicator(1)])
    app = create_app(store, policy, settings)
    failures = {"left": 2}

    @app.middleware("http")
    async def flaky(request, call_next):
        if failures["left"]:
            failures["left"] -= 1
            return Response(status_code=503)
        return await call_next(request)

    with background_server(app) as url:
        cid = next(c.id for c in settings.collections.values() if c.name == "hub")
        mine = IntelStore.open(f"sqlite:///{tmp_path / 'mine.db'}")
        link = PeerLink("de-hub", pull=(f"{url}/api1/collections/{cid}/",), username="be-hub",
                        password=PASSWORDS["be-hub"])
        transfer = Exchange(mine, SharingPolicy("be-hub"), retries=3, backoff=0.01).pull(link, link.pull[0])
    assert failures["left"] == 0 and transfer.error is None and transfer.counts == {"stored": 1}


def test_peer_links_from_the_configuration(monkeypatch):
    monkeypatch.setenv("FR_PASSWORD", "from-env")
    links = peer_links({"peers": {"fr-hub": {"pull": "http://fr/c/", "username": "de", "password_env": "FR_PASSWORD"},
                                  "be-hub": {"push": "http://be/c/", "password": "inline"}, "quiet": {}}})
    assert [(lk.name, lk.pull, lk.push, lk.password) for lk in links] == [
        ("fr-hub", ("http://fr/c/",), None, "from-env"), ("be-hub", (), "http://be/c/", "inline")]


def test_a_refused_login_is_reported_and_moves_no_bookmark(hub, tmp_path):
    hub.store.add([indicator(1)])
    mine = IntelStore.open(f"sqlite:///{tmp_path / 'mine.db'}")
    exchange = Exchange(mine, SharingPolicy("be-hub"), retries=2, backoff=0.01)
    url = hub.collection_url("hub")
    for password in ("wrong", None):
        transfer = exchange.pull(PeerLink("de-hub", pull=(url,), username="be-hub", password=password), url)
        assert transfer.objects == 0 and "401" in transfer.error, transfer
    anonymous = exchange.pull(PeerLink("de-hub", pull=(url,)), url)
    assert "401" in anonymous.error
    assert read_bookmark(mine.engine, "de-hub", f"pull {url}") is None
    good = exchange.pull(PeerLink("de-hub", pull=(url,), username="be-hub", password=PASSWORDS["be-hub"]), url)
    assert (good.error, good.counts) == (None, {"stored": 1})
    assert read_bookmark(mine.engine, "de-hub", f"pull {url}") == hub.store.page("hub").objects[-1].date_added
