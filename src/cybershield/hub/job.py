"""The hub's batch main job (``cybershield run``): import intelligence, ingest the telemetry through the
pipeline, detect, store the alerts.

With the shared development data (``CYBERSHIELD_DATA``) it works on the real data sets; without, on a
generated day of telemetry with its own rules and a partner's indicators. The pipeline is the one the
service runs, not live: batches are joined up to the engine's micro-batch size, and at the end the
detectors finish and every alert is stored before the job returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from ..config import Settings
from ..detect import Detector, DetectRun
from ..events import FormatStats, IngestSummary, Quarantine
from ..exercise import sample_indicators, write_sample_telemetry
from ..intel import FileImport, IntelStore, import_file
from ..storage import record_ingest
from .bus import InProcessBus
from .context import HubContext
from .pipeline import Pipeline

#: The shared data sets the main job ingests when ``CYBERSHIELD_DATA`` holds them.
SHARED_SETS = ("evtx-attack-samples", "network-logs", "cicids2017", "netflow-v2")
#: Shared intelligence imported into the store: MISP events (CIRCL OSINT) and the OASIS STIX examples.
SHARED_INTEL = ("intel/misp/pymisp/tests/reportlab_testfiles", "intel/stix2.1/oasis-cti-stix2-json-schemas/examples")


@dataclass(frozen=True)
class JobSources:
    """What the job reads: telemetry and intelligence files, and whether they were generated here."""

    telemetry: list[Path]
    intel: list[Path]
    generated: bool


def job_sources(settings: Settings) -> JobSources:
    """The shared data sets when present, else telemetry and indicators generated under ``var/``."""
    data = settings.data_dir
    if settings.shared_data_present():
        return JobSources([data / name for name in SHARED_SETS if (data / name).exists()],
                          [p for name in SHARED_INTEL for p in sorted((data / name).glob("*.json"))], False)
    target = settings.var_dir / "sample-telemetry"
    write_sample_telemetry(target)
    indicators = settings.var_dir / "sample-indicators.json"
    indicators.write_bytes(orjson.dumps(sample_indicators(), option=orjson.OPT_INDENT_2))
    return JobSources([target], [indicators], True)


def import_intel(store: IntelStore, paths: list[Path]) -> list[FileImport]:
    return [import_file(store, path) for path in paths]


@dataclass
class JobResult:
    summary: IngestSummary
    run: DetectRun
    stored: int
    run_id: int
    seconds: float
    alert_log: Path


def run_job(context: HubContext, telemetry: list[Path], detectors: list[Detector],
            on_file: Callable[[Path, FormatStats], None] | None = None) -> JobResult:
    """Ingest ``telemetry`` through the pipeline with ``detectors``; alerts to ``var/alerts.jsonl`` (this
    run's) and the database (new ones only); the run is recorded with its quarantine."""
    var = context.settings.var_dir
    quarantine = Quarantine(var / "quarantine")
    alert_log = var / "alerts.jsonl"
    started = time.perf_counter()
    bus = InProcessBus()
    with alert_log.open("wb") as out:
        pipeline = Pipeline(context, bus, detectors, live=False, alert_log=out)
        try:
            summary = pipeline.ingest(telemetry, None, quarantine, on_file)
            pipeline.finish()
        finally:
            bus.close()
            quarantine.close()
    seconds = time.perf_counter() - started
    run_id = record_ingest(context.sessions, summary.as_dict(), quarantine.entries)
    return JobResult(summary, pipeline.run, pipeline.alerts_stored, run_id, seconds, alert_log)
