"""Flows from files: ingest through ``cybershield.events``, extract features, fingerprint the data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..events import FormatStats, IngestSummary, Quarantine, concat, ingest
from .features import FEATURE_NAMES, FlowFeatures, extract


def load_flows(paths: list[Path], on_file: Callable[[Path, FormatStats], None] | None = None
               ) -> tuple[FlowFeatures, IngestSummary]:
    """Parse the files (any format ``events`` reads; rejects are counted in the summary) and extract flow features."""
    batches: list[pa.Table] = []
    summary = ingest(paths, sink=batches.append, quarantine=Quarantine(), on_file=on_file)
    return extract(concat(batches)), summary


def fingerprint(features: FlowFeatures) -> str:
    """SHA-256 over the feature schema, the feature values and the labels: the same data, the same print."""
    digest = hashlib.sha256("\x1f".join(FEATURE_NAMES).encode())
    digest.update(np.ascontiguousarray(np.nan_to_num(features.matrix, nan=-0.0), dtype=np.float32).tobytes())
    digest.update("\x1f".join("" if v is None else str(v) for v in features.labels).encode())
    return digest.hexdigest()
