"""The in-process bus: batches, back-pressure, drain across stages, failures counted, close."""

from __future__ import annotations

import threading

from cybershield.hub import InProcessBus


def test_stages_in_a_row_drain_and_close_in_order():
    bus = InProcessBus(capacity=4)
    seen, stored = [], []
    bus.subscribe("events", lambda batch: (seen.extend(batch), [bus.publish("alerts", m * 10) for m in batch]),
                  name="detect", batch=3)
    bus.subscribe("alerts", stored.extend, name="store")
    for n in range(100):  # more than the capacity: publish waits for the stage (back-pressure)
        bus.publish("events", n)
    assert bus.drain(30)
    assert seen == list(range(100)) and stored == [n * 10 for n in range(100)]
    assert bus.depths() == {"detect": 0, "store": 0}
    bus.publish("nobody-listens", 1)  # a subject without subscribers takes anything
    bus.close()
    bus.publish("events", 1)  # after close: not delivered, no hang
    assert seen == list(range(100))


def test_a_failing_handler_is_counted_and_the_stage_goes_on():
    bus = InProcessBus()
    done = []

    def handler(batch):
        if "bad" in batch:
            raise ValueError("bad message")
        done.extend(batch)

    bus.subscribe("events", handler, name="detect", batch=1)
    for message in ("a", "bad", "b"):
        bus.publish("events", message)
    assert bus.drain(30)
    assert done == ["a", "b"] and bus.failures() == {"detect": 1}
    bus.close()


def test_drain_times_out_while_a_stage_is_stuck():
    bus = InProcessBus()
    release = threading.Event()
    bus.subscribe("events", lambda batch: release.wait(30), name="stuck")
    bus.publish("events", 1)
    assert bus.drain(0.2) is False
    release.set()
    assert bus.drain(30)
    bus.close()
