"""Store-and-forward: envelopes survive a peer that is down and a sender that restarts; a 409 'replayed'
counts as delivered; a refusal is kept with the peer's reason and not retried."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response

from cybershield.exchange import background_server
from cybershield.network.outbox import Outbox
from cybershield.storage import open_database
from cybershield.storage.models import OutboxRecord


def _peer(answers: list[int], received: list[bytes]) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/exchange")
    async def exchange(request: Request):
        status = answers.pop(0) if answers else 200
        if status == 200:
            received.append(await request.body())
        text = '{"reason": "replayed"}' if status == 409 else '{"reason": "bad-signature"}' if status == 400 else "{}"
        return Response(text, status, media_type="application/json")

    return app


def _wait(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_delivery_retries_until_the_peer_answers_and_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    with socket.socket() as probe:  # a port nobody listens on: the peer is down
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/api/v1/exchange"
    outbox = Outbox(open_database(url), lambda peer: ("de-hub", "secret"), timeout=1.0)
    outbox.put("fr-hub", dead, "env-1", b'{"n": 1}', 1)
    assert outbox.deliver_due() == 0 and outbox.depths() == {"fr-hub": 1}
    # the hub restarts: a new outbox over the same database still holds the envelope
    received: list[bytes] = []
    restarted = Outbox(open_database(url), lambda peer: ("de-hub", "secret"), timeout=2.0, poll=0.05)
    with background_server(_peer([503], received)) as base:
        with restarted.sessions.begin() as session:  # the peer is back at another address
            session.query(OutboxRecord).update({"url": f"{base}/api/v1/exchange",
                                                "next_attempt": datetime.now(UTC)})
        restarted.start()
        try:
            assert _wait(lambda: received == [b'{"n": 1}'])  # a 503 first, then delivered on a retry
        finally:
            restarted.stop()
    assert restarted.depths() == {} and restarted.sent == 1


def test_replayed_is_delivered_and_a_refusal_is_not_retried(tmp_path):
    received: list[bytes] = []
    outbox = Outbox(open_database(f"sqlite:///{tmp_path / 'hub.db'}"), lambda peer: None, timeout=2.0)
    with background_server(_peer([409, 400], received)) as base:
        outbox.put("fr-hub", f"{base}/api/v1/exchange", "env-1", b"a", 1)
        outbox.put("fr-hub", f"{base}/api/v1/exchange", "env-2", b"b", 1)
        assert outbox.deliver_due() == 1
        assert outbox.deliver_due() == 0  # the refused one is parked, not retried
    assert outbox.sent == 1 and outbox.refused == {"fr-hub": 1}
    assert outbox.depths() == {"fr-hub": 1}  # kept for the operator, with the reason


def test_a_peer_slow_to_answer_holds_up_only_its_own_envelopes(tmp_path):
    entered, release = threading.Event(), threading.Event()
    fast: list[bytes] = []
    app = FastAPI()

    @app.post("/slow/api/v1/exchange")
    def slow():
        entered.set()
        release.wait(30)
        return {}

    @app.post("/fast/api/v1/exchange")
    async def quick(request: Request):
        fast.append(await request.body())
        return {}

    outbox = Outbox(open_database(f"sqlite:///{tmp_path / 'hub.db'}"), lambda peer: None, timeout=60.0, poll=5.0)
    with background_server(app) as base:
        outbox.start()
        try:
            outbox.put("slow-hub", f"{base}/slow/api/v1/exchange", "env-1", b"1", 1)
            assert entered.wait(20)  # its delivery is under way and does not end yet
            outbox.put("fast-hub", f"{base}/fast/api/v1/exchange", "env-2", b"2", 1)
            assert _wait(lambda: fast == [b"2"])
            outbox.put("fast-hub", f"{base}/fast/api/v1/exchange", "env-3", b"3", 1)  # the next one goes too
            assert _wait(lambda: fast == [b"2", b"3"])
            assert outbox.depths() == {"slow-hub": 1}
        finally:
            release.set()
            outbox.stop()
    assert outbox.depths() == {} and outbox.sent == 3
