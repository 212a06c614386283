"""A hub as a long-running service: the live pipeline, ingest of uploaded bodies, warnings, health, and serving.

``HubService`` holds one hub at work (its context, bus, pipeline and live detectors); the web layer
(``cybershield.web``) only translates HTTP to its methods. ``serve`` binds the port first, so that a
busy port fails with a clear message before any worker starts, then runs the API and TAXII under uvicorn.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from ..events import PARSERS, Quarantine
from ..exchange import Account, Authenticator
from ..pqc import PqcRecorder, parse_constituents
from ..response.store import IncidentStore
from ..storage import count_warnings, record_ingest
from .bus import EVENTS, WARNINGS, Bus, InProcessBus
from .context import HubContext
from .errors import HubError, PortInUse
from .incidents import IncidentWatch
from .pipeline import Pipeline
from .warnings import AppliedWarning, WarningMessage, apply_warning

log = logging.getLogger(__name__)


class BadRequest(HubError):
    """A request the hub refuses (an unknown format, say); the API answers 400 with the message."""


class HubService:
    """One hub at work. ``close`` stops its workers once what was queued is handled."""

    def __init__(self, context: HubContext, bus: Bus | None = None):
        self.context = context
        self.config = context.config
        self.bus = bus or InProcessBus()
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC)
        self._intel_seen = context.store.count()  # before the indicators are loaded: a change meanwhile is seen
        detectors, self.indicators = context.build_detectors()
        self.detectors = detectors
        var = context.settings.var_dir
        self.spool = var / "spool"
        self._clear_spool()
        self.quarantine_dir = var / "quarantine"
        self._alert_log = (var / "alerts.jsonl").open("ab")
        self.pipeline = Pipeline(context, self.bus, detectors, live=True, alert_log=self._alert_log)
        # the post-quantum inventory, kept as handshakes arrive, its endpoints counted by constituent and sector
        self.pqc = PqcRecorder(context.sessions, parse_constituents(
            {}, "hub configuration", {c.name: c.profile() for c in self.config.constituents.values()}))
        self.bus.subscribe(EVENTS, self.pqc, name="pqc-inventory")
        taxii = self.config.taxii_settings()
        self.authenticator = Authenticator(taxii.accounts, taxii.login_limits)
        self._intel_lock = threading.Lock()
        self.bus.subscribe(WARNINGS, self._on_warnings, name="apply-warnings", batch=1)
        self._stop = threading.Event()
        #: Publishes each incident version once on the bus (the API's changes at once, others at the next look).
        self.incidents = IncidentWatch(IncidentStore(context.sessions), self.bus, self.started_at)
        self._watcher = threading.Thread(target=self._watch, name="intel-watch", daemon=True)
        self._watcher.start()
        self._closed = False
        #: Called at ``close`` (the federation stops its outbox there).
        self.on_close: list[Callable[[], None]] = []
        log.info("hub %s (%s, %s) started with %d detectors", self.config.name, self.config.country or "-",
                 self.config.role, len(detectors))

    # -- accounts ------------------------------------------------------------------------------

    def may(self, account: Account, right: str) -> bool:
        return right in self.config.rights_of(account.name)

    # -- ingest --------------------------------------------------------------------------------

    def _clear_spool(self) -> None:
        """Bodies left by requests that a stop cut short: their ingest never answered, so the sender retries."""
        left = [path for path in self.spool.glob("*") if path.is_file()] if self.spool.is_dir() else []
        for path in left:
            path.unlink(missing_ok=True)
        if left:
            log.warning("removed %d unfinished uploads from %s", len(left), self.spool)

    def spool_path(self) -> Path:
        """A fresh file in the spool for an uploaded body while it arrives."""
        self.spool.mkdir(parents=True, exist_ok=True)
        return self.spool / f"{uuid.uuid4().hex}.part"

    def ingest_upload(self, part: Path, digest: str, account: str, fmt: str | None = None) -> dict:
        """Ingest an uploaded body (any supported format, gzip or not) and record the run; returns the ingest
        summary, and detection and archiving go on behind. The events' source is ``<account>-<digest>``, so
        that the same body sent again (a retried upload) raises the same alerts, which are stored once."""
        named = self.spool / f"{account}-{digest[:32]}"
        try:
            os.link(part, named)  # an identical body being ingested right now keeps its name: this one keeps .part
        except FileExistsError:
            named = part
        else:
            part.unlink()
        return self.ingest_file(named, fmt)

    def ingest_file(self, path: Path, fmt: str | None = None) -> dict:
        """Ingest one file in the spool, record the run, remove the file; returns the ingest summary."""
        try:
            if fmt is not None and fmt not in PARSERS:
                raise BadRequest(f"unknown format {fmt!r}; known: {', '.join(PARSERS)}")
            quarantine = Quarantine(self.quarantine_dir)
            try:
                summary = self.pipeline.ingest([path], fmt, quarantine)
            finally:
                quarantine.close()
        finally:
            path.unlink(missing_ok=True)
        document = summary.as_dict()
        document["run_id"] = record_ingest(self.context.sessions, document, quarantine.entries)
        self.context.counters.add("ingest_requests")
        return document

    # -- warnings ------------------------------------------------------------------------------

    def apply_warning(self, document: object, sender: str | None = None) -> AppliedWarning:
        """Put an early warning's indicators into detection now and retro-hunt the archive (``hub.warnings``)."""
        with self._intel_lock:
            applied = apply_warning(self.context, self.pipeline, self.indicators, document, sender)
            self._intel_seen = self.context.store.count()  # reloaded already
            return applied

    def _on_warnings(self, messages: list[WarningMessage]) -> None:
        for message in messages:
            try:
                applied = self.apply_warning(message.document, message.sender)
            except HubError as exc:
                self.context.counters.add("warnings_refused")
                log.warning("warning from %s refused: %s", message.sender or "?", exc.message)
            else:
                log.info("warning %s from %s: %s", applied.id, message.sender or "?",
                         f"applied, {applied.retro_hunt_alerts} retro-hunt alerts" if applied.new else "known already")

    def _watch(self) -> None:
        """Reload the live indicators when the intel store changed (a TAXII push, a sync, an import), and
        publish the incidents changed outside the API."""
        while not self._stop.wait(self.config.indicator_reload_seconds):
            for look, what in ((self.reload_indicators, "reloading the indicators"),
                               (self.incidents.look, "looking for changed incidents")):
                try:
                    look()
                except Exception:  # a database hiccup must not end the watch
                    log.exception("%s failed", what)

    def reload_indicators(self, force: bool = False) -> bool:
        """Reload the live indicators from the store if it changed since the last look; whether it did."""
        with self._intel_lock:
            seen = self.context.store.count()
            if seen == self._intel_seen and not force:
                return False
            compiled = self.indicators.reload(self.context.store.active_indicators())
            self._intel_seen = seen
        log.info("indicators reloaded: %s", {k: v for k, v in compiled.describe().items() if isinstance(v, int)})
        return True

    def explain_rule(self, rule_id: str) -> dict | None:
        """The Sigma rule ``rule_id`` as loaded here (metadata and YAML), or None (``SigmaDetector.explain``)."""
        for detector in self.detectors:
            explain = getattr(detector, "explain", None)
            found = explain(rule_id) if explain else None
            if found is not None:
                return found
        return None

    # -- health --------------------------------------------------------------------------------

    def health(self) -> dict:
        counters = self.context.counters.snapshot()
        rejected = counters.pop("envelopes_rejected_by_reason")
        counts = {name: counters.get(name, 0) for name in
                  ("events", "quarantined", "alerts", "alerts_stored", "ingest_requests", "envelopes_sent",
                   "envelopes_received", "envelopes_rejected")}
        return {"status": "ok", "hub": self.config.name, "country": self.config.country, "role": self.config.role,
                "started": self.started_at.isoformat(), "uptime_s": round(time.monotonic() - self.started, 3),
                "queues": self.bus.depths(), "handler_failures": self.bus.failures(), "counters": {**counters, **counts,
                                                          "envelopes_rejected_by_reason": rejected,
                                                          "warnings": count_warnings(self.context.sessions)}}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._watcher.join()
        if not self.pipeline.finish(timeout=60):  # pending correlations come out, queued work is done
            log.warning("hub %s: the pipeline did not drain within 60 s; closing anyway", self.config.name)
        for hook in self.on_close:  # after the drain: the last alerts reach the federation's outbox first
            hook()
        self.bus.close()
        self.pqc.flush()
        self._alert_log.close()
        log.info("hub %s stopped", self.config.name)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; :class:`PortInUse` with a clear message when that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "is in use (another hub or program listens there; choose --port)" if exc.errno == errno.EADDRINUSE \
            else f"cannot be used: {exc.strerror or exc}"
        raise PortInUse(f"{host}:{port} {why}") from None
    sock.listen(2048)
    return sock


def serve(open_context: Callable[[], HubContext], host: str, port: int, app_factory: Callable[[HubService], object],
          on_ready: Callable[[HubService, str], None] | None = None) -> None:
    """Run the hub on ``host:port`` until interrupted, with the ASGI application ``app_factory`` builds for it
    (``cybershield.web.create_app``): the port is taken first, then the context is opened (``open_context``)
    and the workers start."""
    sock = bind(host, port)
    try:
        service = HubService(open_context())
    except BaseException:
        sock.close()
        raise
    try:
        server = uvicorn.Server(uvicorn.Config(app_factory(service), log_config=None, access_log=False))
        if on_ready is not None:
            on_ready(service, f"http://{host}:{sock.getsockname()[1]}")
        server.run(sockets=[sock])
    finally:
        service.close()
        sock.close()
