"""``IndicatorDetector``: the detector protocol over a compiled indicator set that can be swapped
while batches are being matched."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from ..alerts import Alert
from .compiled import CompiledIndicators, Rejection
from .loaders import load_indicator_files


class IndicatorDetector:
    """Matches event batches against STIX 2.1 indicators.

    ``reload`` compiles the new set aside and then replaces the reference in one assignment, so a
    batch being matched keeps the version it started with and the next batch gets the new one:
    every batch is matched by exactly one version, and none is skipped.
    """

    kind = "indicator"

    def __init__(self, indicators: Iterable[object] = (), *, rejections: Iterable[Rejection] = ()):
        self._reloading = threading.Lock()
        self._compiled = CompiledIndicators(indicators, rejections=rejections)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> IndicatorDetector:
        """From STIX 2.1 bundles, MISP event JSON and indicator CSV files (``load_indicator_files``)."""
        indicators, rejections = load_indicator_files(paths)
        return cls(indicators, rejections=rejections)

    def reload(self, indicators: Iterable[object], *, rejections: Iterable[Rejection] = ()) -> CompiledIndicators:
        """Compile a new set and swap it in atomically; returns it (see its ``describe``)."""
        with self._reloading:
            fresh = CompiledIndicators(indicators, rejections=rejections)
            self._compiled = fresh
        return fresh

    def detect(self, batch: pa.Table) -> list[Alert]:
        compiled = self._compiled  # one version for the whole batch
        return compiled.match(batch)

    def finish(self) -> list[Alert]:
        return []

    def describe(self) -> dict:
        return {"kind": self.kind, **self._compiled.describe()}
