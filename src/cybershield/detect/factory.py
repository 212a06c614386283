"""Building the detectors a run asks for, so that the engine never special-cases one of them.

Each kind registers a builder; a kind whose module is not installed yet (indicator matching,
models) raises ``DetectorUnavailable`` with a clear message instead of failing at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from .detector import Detector


class DetectorUnavailable(RuntimeError):
    """A detector kind was asked for but cannot be built here (module missing, bad argument)."""


def _sigma() -> Callable[[list[Path]], Detector]:
    from .sigma import SigmaDetector

    def build(rule_paths: list[Path]) -> Detector:
        missing = [str(p) for p in rule_paths if not p.exists()]
        if missing:
            raise DetectorUnavailable(f"rule path not found: {', '.join(missing)}")
        return SigmaDetector(rule_paths)
    return build


def _plugin(module: str, attribute: str, what: str) -> Callable[[], Callable[..., Detector]]:
    def resolve() -> Callable[..., Detector]:
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise DetectorUnavailable(f"{what} is not available in this build ({module}.{attribute}: {exc})") from exc
    return resolve


#: kind -> resolver of the builder that takes the command line argument (rule paths, indicator
#: files, model name); resolving first lets a missing kind fail before anything slow is loaded.
BUILDERS: dict[str, Callable[[], Callable[..., Detector]]] = {
    "sigma": _sigma,
    "indicator": _plugin("cybershield.detect.indicators", "IndicatorDetector", "indicator matching"),
    "model": _plugin("cybershield.learning", "ModelDetector", "model scoring"),
}


def build_detectors(rules: list[Path] | None = None, indicators: list[Path] | None = None,
                    model: str | None = None) -> list[Detector]:
    """The detectors for these options, in a fixed order (Sigma, indicators, model)."""
    wanted = [(kind, arg) for kind, arg in (("sigma", rules), ("indicator", indicators), ("model", model)) if arg]
    builders = [(BUILDERS[kind](), arg) for kind, arg in wanted]
    return [build(arg) for build, arg in builders]
