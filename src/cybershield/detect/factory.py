"""Building the detectors a run asks for, so that the engine never special-cases one of them.

Each kind has a builder that takes what the command line gives (rule paths, indicator files, a
model name); a builder that cannot build (a missing path, no such model) raises
``DetectorUnavailable`` with a message for the user. Heavy modules load only when asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..errors import CybershieldError
from .detector import Detector

log = logging.getLogger(__name__)


class DetectorUnavailable(CybershieldError, RuntimeError):
    """A detector was asked for but cannot be built (a path that does not exist, an unknown model)."""


def _existing(paths: list[Path], what: str) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise DetectorUnavailable(f"{what} not found: {', '.join(missing)}")
    return paths


def _sigma(rule_paths: list[Path], rule_cache: Path | None = None,
           placeholders: dict[str, list[str]] | None = None) -> Detector:
    from .sigma import RuleCache, SigmaDetector

    cache = RuleCache(rule_cache, placeholders) if rule_cache is not None else None
    return SigmaDetector(_existing(rule_paths, "rule path"), placeholders, cache)


def _indicators(files: list[Path]) -> Detector:
    from .indicators import IndicatorDetector

    return IndicatorDetector.from_files(_existing(files, "indicator file"))


def _model(name: str) -> Detector:
    from .model_detector import ModelDetector

    try:
        return ModelDetector(name)
    except (LookupError, ValueError) as exc:
        raise DetectorUnavailable(f"model {name!r} cannot be loaded: {exc}") from exc


#: kind -> builder of that kind from its command-line argument.
BUILDERS: dict[str, Callable[..., Detector]] = {"sigma": _sigma, "indicator": _indicators, "model": _model}


def build_detectors(rules: list[Path] | None = None, indicators: list[Path] | None = None,
                    model: str | None = None, placeholders: dict[str, list[str]] | None = None,
                    rule_cache: Path | None = None) -> list[Detector]:
    """The detectors for these options, in a fixed order (Sigma, indicators, model); ``placeholders``
    are the values of the Sigma rules' ``%name%`` placeholders; Sigma rules compile through the
    cache folder ``rule_cache`` when given."""
    detectors = [_sigma(rules, rule_cache, placeholders)] if rules else []
    wanted = [(kind, arg) for kind, arg in (("indicator", indicators), ("model", model)) if arg]
    detectors += [BUILDERS[kind](arg) for kind, arg in wanted]
    for detector in detectors:
        log.info("%s detector loaded: %s", detector.kind, detector.describe())
    return detectors
