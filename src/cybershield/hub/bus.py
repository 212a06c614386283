"""The hub's bus: named subjects that stages publish to and subscribe on.

The pipeline only ever sees :class:`Bus`: ``publish(subject, message)``, ``subscribe(subject, handler)``,
``drain()``, ``depths()``, ``failures()`` and ``close()``. A handler gets the messages waiting for it as a list (at most
``batch`` at a time), like a JetStream pull consumer's ``fetch``, so a stage can join what arrived
together and still act as soon as anything arrives. :class:`InProcessBus` is the embedded default: one
bounded queue and one worker thread per subscription (a full queue makes ``publish`` wait, which is
the back-pressure of a slow stage). A NATS JetStream implementation (messages serialised, subjects as
streams, detection workers as a queue group) fits behind the same six methods.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

#: The hub's subjects: event batches, alerts, what goes to the federation, early warnings received, and
#: incidents opened or changed (their stored view, for the federation to share).
EVENTS, ALERTS, SHARING, WARNINGS, INCIDENTS = "events", "alerts", "sharing", "warnings", "incidents"
SUBJECTS = (EVENTS, ALERTS, SHARING, WARNINGS, INCIDENTS)

Handler = Callable[[list], None]


class Bus(Protocol):
    def publish(self, subject: str, message: object) -> None:
        """Hand ``message`` to every subscription of ``subject`` (waits while one of them is full)."""
        ...

    def subscribe(self, subject: str, handler: Handler, *, name: str, batch: int = 64) -> None:
        """Call ``handler`` with lists of the messages published on ``subject`` from now on."""
        ...

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every message published so far has been handled (and what that published, too)."""
        ...

    def depths(self) -> dict[str, int]:
        """Messages waiting, per subscription name."""
        ...

    def failures(self) -> dict[str, int]:
        """Handler calls that raised (logged, the messages dropped), per subscription name."""
        ...

    def close(self) -> None:
        """Stop the workers once what is queued has been handled."""
        ...


_STOP = object()


class _Subscription:
    def __init__(self, subject: str, name: str, handler: Handler, batch: int, capacity: int):
        self.subject, self.name, self.handler, self.batch = subject, name, handler, batch
        self.queue: queue.Queue = queue.Queue(capacity)
        self.failures = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._work, name=f"bus-{name}", daemon=True)

    def _work(self) -> None:
        while True:
            messages = [self.queue.get()]
            while len(messages) < self.batch:
                try:
                    messages.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(m is _STOP for m in messages)
            live = [m for m in messages if m is not _STOP]
            try:
                if live:
                    self.handler(live)
            except Exception:  # a failing handler must not take the stage down; it is logged and counted
                self.failures += 1
                log.exception("bus handler %s failed on %d messages", self.name, len(live))
            finally:
                for _ in messages:
                    self.queue.task_done()
            if stop:
                return


class InProcessBus:
    """Subjects in one process: a bounded queue and a worker thread per subscription."""

    def __init__(self, capacity: int = 64):
        self.capacity = capacity
        self._subscriptions: dict[str, list[_Subscription]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def subscribe(self, subject: str, handler: Handler, *, name: str, batch: int = 64) -> None:
        subscription = _Subscription(subject, name, handler, batch, self.capacity)
        with self._lock:
            if self._closed:
                raise RuntimeError("the bus is closed")
            self._subscriptions.setdefault(subject, []).append(subscription)
        subscription.thread.start()

    def publish(self, subject: str, message: object) -> None:
        for subscription in self._subscriptions.get(subject, ()):
            if subscription.stopped:
                log.warning("bus: %s is stopped; a message on %s is not delivered to it", subscription.name, subject)
                continue
            subscription.queue.put(message)

    def drain(self, timeout: float | None = None) -> bool:
        # A stage publishes onwards before it marks its message done, so joining the subscriptions in
        # the order of the flow (events, alerts, sharing) sees everything; passes repeat until all are quiet.
        for _ in range(10):
            for subscription in self._all():
                if not _join(subscription.queue, timeout):
                    return False
            if all(s.queue.unfinished_tasks == 0 for s in self._all()):
                return True
        return False

    def depths(self) -> dict[str, int]:
        return {s.name: s.queue.qsize() for s in self._all()}

    def failures(self) -> dict[str, int]:
        return {s.name: s.failures for s in self._all()}

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for subscription in self._all():  # in the order of the flow: upstream stages finish publishing first
            subscription.queue.put(_STOP)
            subscription.thread.join()
            subscription.stopped = True

    def _all(self) -> list[_Subscription]:
        return [s for subs in self._subscriptions.values() for s in subs]


def _join(q: queue.Queue, timeout: float | None) -> bool:
    if timeout is None:
        q.join()
        return True
    with q.all_tasks_done:
        return q.all_tasks_done.wait_for(lambda: q.unfinished_tasks == 0, timeout)
