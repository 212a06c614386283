"""The hub's logs as JSON lines (cybershield.logs, as `hub serve --log-json` sets it up)."""

from __future__ import annotations

import logging

import orjson

from cybershield import logs


def test_json_lines(capsys):
    logger = logging.getLogger(logs.ROOT)
    saved = logger.handlers[:], logger.level
    try:
        logs.configure(1, as_json=True)
        logging.getLogger("cybershield.hub.test").info("ingested %d events", 3)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("cybershield.hub.test").exception("failed")
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
    first, second = (orjson.loads(line) for line in capsys.readouterr().err.splitlines())
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "cybershield.hub.test", "ingested 3 events")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exc_info"]
