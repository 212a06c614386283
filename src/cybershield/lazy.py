"""A package's names, each loaded from its module on first use (PEP 562): importing a light part of a package
(a constant that a command's ``--help`` shows, say) does not load the heavy rest of it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_names(package: str, homes: dict[str, tuple[str, str | None]]) -> tuple[Callable, Callable]:
    """The ``__getattr__`` and ``__dir__`` of ``package``; ``homes``: name -> (module, relative to the package;
    the attribute of it, or None for the module itself)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f".{home[0]}", package)
        value = module if home[1] is None else getattr(module, home[1])
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
