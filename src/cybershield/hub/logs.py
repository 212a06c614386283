"""Logging of a long-running hub: the standard ``logging`` module, as text or as one JSON object a line.

``CYBERSHIELD_LOG_LEVEL`` (default INFO) and ``CYBERSHIELD_LOG_FORMAT`` (``text`` or ``json``) choose; the
JSON lines carry ``time``, ``level``, ``logger``, ``message`` and, for an exception, ``exception``, for a
log shipper (Filebeat, Vector, Fluent Bit) to read without parsing text.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import orjson

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(), "level": record.levelname,
                    "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(document).decode()


def configure_logging(level: str | None = None, fmt: str | None = None) -> None:
    """Log to standard error at ``level`` in ``fmt`` (defaults from the environment); replaces the root handlers."""
    level = (level or os.environ.get("CYBERSHIELD_LOG_LEVEL") or "INFO").upper()
    fmt = fmt or os.environ.get("CYBERSHIELD_LOG_FORMAT") or "text"
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
