"""One hub's context: where it keeps its state, its configuration, its stores and its detectors.

``HubContext.open`` is the one place that turns the environment (``Settings``) and the hub
configuration into the objects every stage uses: the database sessions (migrated), the intel store,
the sharing policy, the event archive, the counters and, on demand, the model registry and the
detectors. ``cybershield run``, ``cybershield hub serve`` and the tests all start here.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..detect import Detector, IndicatorDetector, build_detectors
from ..exercise import SAMPLE_RULES
from ..intel import IntelStore, SharingPolicy
from ..storage import open_database
from .archive import Archive
from .config import HubConfig, load_hub_config

#: SigmaHQ's rules in the shared data that a hub loads beside its own when they are there.
SHARED_RULES = ("sigma/rules/windows",)
#: The flow model a hub scores with, when one of this name is registered (``cybershield model train``).
FLOW_MODEL = "flows"


class Counters:
    """What a hub has done since it started (thread-safe): named counts and rejections by reason."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._rejected: Counter = Counter()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def reject(self, reason: str, n: int = 1) -> None:
        """An envelope refused, with its reason (the federation's receiver counts here)."""
        with self._lock:
            self._rejected[reason] += n
            self._counts["envelopes_rejected"] += n

    def snapshot(self) -> dict:
        with self._lock:
            return {**self._counts, "envelopes_rejected_by_reason": dict(self._rejected)}


@dataclass
class HubContext:
    settings: Settings
    config: HubConfig
    sessions: sessionmaker[Session]
    store: IntelStore
    archive: Archive
    counters: Counters = field(default_factory=Counters)

    @classmethod
    def open(cls, settings: Settings | None = None, config: HubConfig | None = None) -> HubContext:
        """The context for ``settings`` (the environment by default) and ``config`` (read from
        ``settings.hub_config_path`` by default); migrates the database."""
        settings = settings or Settings.from_env()
        config = config or load_hub_config(settings.hub_config_path)
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        sessions = open_database(settings.db_url)
        archive = Archive(config.archive.dir or settings.var_dir / "archive", config.archive.retention_days)
        return cls(settings, config, sessions, IntelStore(sessions.kw["bind"]), archive)

    @cached_property
    def policy(self) -> SharingPolicy:
        return self.config.sharing_policy()

    @property
    def models_dir(self) -> Path:
        return self.settings.var_dir / "models"

    @cached_property
    def registry(self):
        """The model registry (``learning.ModelRegistry``; imported on first use, it loads LightGBM)."""
        from ..learning import ModelRegistry

        return ModelRegistry(self.models_dir)

    def flow_model(self) -> str | None:
        """``FLOW_MODEL`` when a version of it is registered and active, else None."""
        if not (self.models_dir / FLOW_MODEL).is_dir():
            return None  # no need to load the learning stack (seconds) to know that
        return FLOW_MODEL if self.registry.active_version(FLOW_MODEL) is not None else None

    def rule_paths(self) -> list[Path]:
        """The configuration's Sigma rules, else our own rules and SigmaHQ's Windows rules when the shared data has them."""
        if self.config.sigma.rules:
            return list(self.config.sigma.rules)
        shared = [self.settings.data_dir / name for name in SHARED_RULES if (self.settings.data_dir / name).is_dir()]
        return [SAMPLE_RULES, *shared]

    def build_detectors(self) -> tuple[list[Detector], IndicatorDetector]:
        """Sigma rules, the flow model when registered, and the store's active indicators (the indicator
        detector is returned apart too: warnings reload it)."""
        placeholders = {name: list(values) for name, values in self.config.sigma.placeholders.items()}
        detectors = build_detectors(rules=self.rule_paths(), model=self.flow_model(), placeholders=placeholders or None)
        indicators = IndicatorDetector(self.store.active_indicators())
        return [*detectors, indicators], indicators
