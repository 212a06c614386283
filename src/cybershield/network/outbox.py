"""Store-and-forward delivery between hubs: a persistent outbox, retries with backoff.

A message is written to the outbox (the hub's database) before anyone tries to send it, so a hub
killed mid-exchange sends it after its restart. It is sealed at each attempt (same envelope id, fresh
time and nonce), so that a peer that was down longer than the allowed clock skew still takes it when it
returns; the receiver applies its content once (sightings and warnings carry stable ids). The delivery
worker posts each due envelope to its
peer's ``/api/v1/exchange``: a 2xx answer, or a 409 saying the peer already holds it (it was
delivered, the answer was lost), ends it; a connection error, a time-out or a 5xx is retried after
1, 2, 4 … seconds (at most :data:`MAX_BACKOFF`); any other 4xx is a permanent refusal, logged with
the peer's reason and not retried. Peers are served one envelope at a time each, in order, and each on
its own: a new envelope for a peer goes as soon as that peer's previous delivery ends, however long
another peer takes to answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from ..storage import network_state

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(seconds=30)
#: How far in the future a refused envelope is parked (never retried, kept for the operator).
REFUSED = timedelta(days=3650)


class Outbox:
    """The outbox of one hub and its delivery worker."""

    def __init__(self, sessions: sessionmaker[Session], auth: Callable[[str], tuple[str, str] | None],
                 seal: Callable[[bytes, str, str], bytes] = lambda payload, recipient, envelope_id: payload,
                 timeout: float = 5.0, poll: float = 0.5, on_sent: Callable[[], None] = lambda: None):
        """``auth`` gives the login at a peer; ``seal(payload, recipient, envelope_id)`` the envelope to post. A put
        and the end of a delivery wake the worker at once; it looks every ``poll`` seconds for retries come due."""
        self.sessions, self.auth, self.seal, self.poll, self.on_sent = sessions, auth, seal, poll, on_sent
        self.client = httpx.Client(timeout=timeout)
        self.sent = 0
        self.refused: dict[str, int] = {}
        self._pool = ThreadPoolExecutor(8, thread_name_prefix="outbox")
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._busy: set[str] = set()  # peers with a delivery running
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def put(self, recipient: str, url: str, envelope_id: str, body: bytes, objects: int) -> None:
        """Queue one message (its payload, sealed when sent) for ``recipient`` at ``url`` (durable once this returns)."""
        network_state.enqueue(self.sessions, [{"envelope_id": envelope_id, "recipient": recipient, "url": url,
                                               "body": body, "objects": objects}])
        self._wake.set()

    def depths(self) -> dict[str, int]:
        return network_state.outbox_depths(self.sessions)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True)
        self.client.close()

    def deliver_due(self) -> int:
        """Try every due envelope once, peers in parallel, each peer's in order; returns how many were delivered."""
        return sum(future.result() for future in self._dispatch())

    def _dispatch(self) -> list[Future]:
        """Start a delivery for each peer with due envelopes and none running: a slow peer delays only its own."""
        with self._lock:
            busy = set(self._busy)
        queues: dict[str, list] = {}
        for row in network_state.due(self.sessions, datetime.now(UTC), exclude=busy):
            queues.setdefault(row.recipient, []).append(row)
        started = []
        for recipient, rows in queues.items():
            with self._lock:
                self._busy.add(recipient)
            future = self._pool.submit(self._in_order, rows)
            future.add_done_callback(lambda done, peer=recipient: self._finished(peer, done))
            started.append(future)
        return started

    def _finished(self, recipient: str, delivery: Future) -> None:
        with self._lock:
            self._busy.discard(recipient)
        self._wake.set()  # what was put for it meanwhile goes now
        if (error := delivery.exception()) is not None:  # the database hiccuped: the next round tries again
            log.error("delivery to %s failed", recipient, exc_info=error)

    def _in_order(self, rows: list) -> int:
        delivered = 0
        for row in rows:
            if not self._attempt(row):
                break  # a peer that failed one gets the rest after its backoff, in order
            delivered += 1
        return delivered

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the look: a put or a finished delivery from now on wakes the next
            try:
                self._dispatch()
            except Exception:  # the database or the network hiccuped: the next round tries again
                log.exception("outbox round failed")
            self._wake.wait(self.poll)

    def _attempt(self, row) -> bool:
        now = datetime.now(UTC)
        try:
            envelope = self.seal(row.body, row.recipient, row.envelope_id)
        except (ValueError, KeyError) as exc:  # no valid key for the peer (yet): a later round may have one
            return self._retry(row, now, f"cannot seal: {exc}")
        try:
            response = self.client.post(row.url, content=envelope, auth=self.auth(row.recipient),
                                        headers={"Content-Type": "application/vnd.cybershield.envelope+json"})
        except httpx.HTTPError as exc:
            return self._retry(row, now, f"{type(exc).__name__}: {exc}")
        if response.is_success or (response.status_code == 409 and "replayed" in response.text):
            network_state.mark(self.sessions, row.seq, delivered=now)
            self.sent += 1
            self.on_sent()
            return True
        if response.status_code >= 500 or response.status_code in (408, 429):
            return self._retry(row, now, f"HTTP {response.status_code}: {response.text[:300]}")
        reason = f"HTTP {response.status_code}: {response.text[:300]}"
        log.warning("%s refused envelope %s: %s", row.recipient, row.envelope_id, reason)
        self.refused[row.recipient] = self.refused.get(row.recipient, 0) + 1
        network_state.mark(self.sessions, row.seq, next_attempt=now + REFUSED, error=reason)
        return False

    def _retry(self, row, now: datetime, error: str) -> bool:
        backoff = min(timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)
        log.info("envelope %s to %s not delivered (%s); next try in %s", row.envelope_id, row.recipient, error,
                 backoff)
        network_state.mark(self.sessions, row.seq, next_attempt=now + backoff, error=error)
        return False
