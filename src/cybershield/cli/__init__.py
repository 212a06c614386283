"""The ``cybershield`` command. Each area adds its commands in a module of its own in this package.

A command loads only the module that defines it (``COMMANDS``), so that ``cybershield ingest`` does not pay
for the hub service, the dashboard or the learning stack; ``--help``, an unknown command, and
``from cybershield.cli import app`` load them all. These modules are light: each command imports the heavy
packages it uses (the hub, storage, Arrow, STIX...) when it runs, so that help loads Typer and Rich only
(tests/test_cli_light.py).
"""

import importlib
import pkgutil
import sys

#: The modules that define each top-level command (the first module of a name registers it).
COMMANDS = {
    "ingest": ("ingest",), "detect": ("detect",), "cache": ("detect",), "run": ("run",), "intel": ("intel",),
    "taxii": ("taxii",), "hub": ("hub", "keys"), "model": ("model",), "exercise": ("exercise",),
    "network": ("network",), "demo": ("demo",), "pqc": ("pqc",), "incident": ("incident",),
    "reserve": ("reserve",), "attribute": ("attribute",),
}


def load(names: tuple[str, ...] | None = None):
    """Register the commands of ``names`` (modules of this package), or of every module; returns the app."""
    from .base import app

    for name in names or [m.name for m in pkgutil.iter_modules(__path__) if m.name not in ("app",)]:
        importlib.import_module(f"{__name__}.{name}")
    return app


def main() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    load(COMMANDS.get(command))()


def __getattr__(name: str):
    if name == "app":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "app", "load", "main"]
