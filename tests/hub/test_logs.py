"""The hub's logs as JSON lines."""

from __future__ import annotations

import logging

import orjson

from cybershield.hub import configure_logging


def test_json_lines(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("info", "json")
        logging.getLogger("cybershield.hub.test").info("ingested %d events", 3)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("cybershield.hub.test").exception("failed")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    first, second = (orjson.loads(line) for line in capsys.readouterr().err.splitlines())
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "cybershield.hub.test", "ingested 3 events")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]
