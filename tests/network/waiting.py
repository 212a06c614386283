"""Waiting for what hubs do behind their answers (delivery, correlation, warnings)."""

from __future__ import annotations

import time


def until(condition, seconds: float = 90.0, step: float = 0.25):
    """``condition()``'s value once it is true, polling every ``step`` seconds; its last value after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()
