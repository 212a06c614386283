"""Ingesting files in a test: the summary, every event as a dict, and the quarantine."""

from __future__ import annotations

from pathlib import Path

from cybershield.events import Quarantine, concat, ingest


def ingested(paths: list[Path], fmt: str | None = None):
    """``ingest`` of ``paths`` into memory: (summary, events as dicts in batch order, quarantine)."""
    batches: list = []
    quarantine = Quarantine()
    summary = ingest(paths, fmt, sink=batches.append, quarantine=quarantine)
    return summary, (concat(batches).to_pylist() if batches else []), quarantine
