"""The ``cybershield`` command. Each area adds its commands in its own module."""

from . import ingest as _ingest  # noqa: F401  (registers commands)
from . import run as _run  # noqa: F401
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
