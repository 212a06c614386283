"""The hub's pipeline over the bus: ingest → events → detection → alerts → sharing, with the archive beside.

* ``ingest`` parses sources with the same parsers and quarantine as ``cybershield ingest`` and publishes
  each batch of events on ``events``.
* The detection worker (``detect``) feeds them to every detector through one ``DetectRun``: live, it
  detects as soon as its inbox is empty (what arrived together is joined into one micro-batch, nothing
  waits for more); in a batch job it joins batches up to ``batch_events`` as ``cybershield detect`` does.
  Its alerts go out on ``alerts``, each keeping what its events showed (``context.observed``, from the
  batch that raised it: ``detect.observed``).
* The archive worker (``archive``) writes the same events to the Parquet archive.
* The alert worker (``store-alerts``) appends every alert to the alert log (``alerts.jsonl``), stores
  them (an alert already stored is not stored again) and publishes the new ones on ``sharing`` (a list
  of ``detect.Alert``), which the federation consumes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import orjson
import pyarrow as pa

from ..detect import Alert, Detector, DetectRun
from ..detect.observed import attach_observed
from ..events import FormatStats, IngestSummary, Quarantine, ingest
from ..storage import store_new_alerts
from .bus import ALERTS, EVENTS, SHARING, Bus
from .context import HubContext


class _Finish:
    """Asks the detection worker to end the stream: the detectors' pending alerts (correlations) come out."""


FINISH = _Finish()


class Pipeline:
    """The stages of one hub on ``bus``; ``live`` for a service, not for a batch job."""

    def __init__(self, context: HubContext, bus: Bus, detectors: list[Detector], *, live: bool,
                 alert_log: IO[bytes] | None = None, batch_events: int = 50_000):
        self.context, self.bus, self.live = context, bus, live
        self.alert_log = alert_log
        self.run = DetectRun(detectors, None, batch_events, sink=self._raised)
        self.alerts_stored = 0
        bus.subscribe(EVENTS, self._detect, name="detect")
        bus.subscribe(EVENTS, self._archive, name="archive")
        bus.subscribe(ALERTS, self._store, name="store-alerts")

    # -- stages --------------------------------------------------------------------------------

    def _detect(self, messages: list) -> None:
        for message in messages:
            if message is FINISH:
                self.run.finish()
            else:
                self.run.batch(message)
        if self.live:
            self.run.flush()

    def _raised(self, alerts: list[Alert], batch: pa.Table | None = None) -> None:
        attach_observed(alerts, batch)  # the batch that raised them holds their events
        self.context.counters.add("alerts", len(alerts))
        self.bus.publish(ALERTS, alerts)

    def _archive(self, tables: list[pa.Table]) -> None:
        for table in tables:
            if table is not FINISH:
                self.context.archive.write(table)

    def _store(self, batches: list[list[Alert]]) -> None:
        alerts = [alert for batch in batches for alert in batch]
        if self.alert_log is not None:
            self.alert_log.write(b"".join(orjson.dumps(a.to_document()) + b"\n" for a in alerts))
            self.alert_log.flush()
        new = store_new_alerts(self.context.sessions, alerts)
        self.alerts_stored += len(new)
        self.context.counters.add("alerts_stored", len(new))
        if new:
            self.bus.publish(SHARING, new)

    # -- what callers do -----------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], fmt: str | None = None, quarantine: Quarantine | None = None,
               on_file: Callable[[Path, FormatStats], None] | None = None) -> IngestSummary:
        """Parse ``paths`` and publish their events; returns the ingest summary (detection goes on behind)."""
        summary = ingest(paths, fmt, sink=self.publish, quarantine=quarantine, on_file=on_file)
        counters = self.context.counters
        counters.add("events", summary.parsed)
        counters.add("records_read", summary.read)
        counters.add("quarantined", summary.quarantined)
        return summary

    def publish(self, table: pa.Table) -> None:
        self.bus.publish(EVENTS, table)

    def publish_alerts(self, alerts: list[Alert]) -> None:
        """Alerts raised outside the detection worker (a retro-hunt) take the same way: log, store, share."""
        if alerts:
            self._raised(alerts)

    def finish(self, timeout: float | None = None) -> bool:
        """End of a batch job: the detectors finish, and everything published is handled; False on timeout."""
        self.bus.publish(EVENTS, FINISH)
        return self.bus.drain(timeout)
