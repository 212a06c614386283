"""Logging for every part of cybershield: standard ``logging`` under the ``cybershield`` logger.

Modules log to ``logging.getLogger(__name__)``; :func:`configure` sends it to standard error, as text or
as one JSON object a line (for a log shipper). The level and format come from the command line
(``-v``, ``-vv``, ``--log-json``) or the environment (``CYBERSHIELD_LOG_LEVEL``, ``CYBERSHIELD_LOG_JSON``).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from .config import settings

ROOT = "cybershield"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_handler: logging.Handler | None = None
_verbosity = 0


def level_for(verbosity: int, default: int = logging.WARNING) -> int:
    """``-v`` (1) is INFO, ``-vv`` (2 or more) DEBUG; without it the environment's level, else ``default``."""
    if verbosity >= 2:
        return logging.DEBUG
    if verbosity == 1:
        return logging.INFO
    chosen = settings().log_level
    return logging.getLevelNamesMapping().get(chosen.upper(), default) if chosen else default


def configure(verbosity: int = 0, as_json: bool | None = None) -> None:
    """Send the ``cybershield`` loggers to standard error at the level ``verbosity`` asks (once; again replaces)."""
    global _handler, _verbosity
    logger = logging.getLogger(ROOT)
    if _handler is not None:
        logger.removeHandler(_handler)
    _handler = logging.StreamHandler(sys.stderr)
    as_json = settings().log_json if as_json is None else as_json
    _handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level",
                                                                    "name": "logger"})
                          if as_json else logging.Formatter(TEXT_FORMAT))
    logger.addHandler(_handler)
    logger.setLevel(level_for(verbosity))
    _verbosity = verbosity


def for_service() -> None:
    """A long-running service logs at INFO unless ``-v`` or ``CYBERSHIELD_LOG_LEVEL`` chose a level."""
    logging.getLogger(ROOT).setLevel(level_for(_verbosity, logging.INFO))
