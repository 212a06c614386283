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
from ..storage import count_warnings, record_ingest
from .bus import Bus, InProcessBus
from .context import HubContext
from .errors import HubError, PortInUse
from .pipeline import Pipeline
from .warnings import AppliedWarning, apply_warning

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
        detectors, self.indicators = context.build_detectors()
        var = context.settings.var_dir
        self.spool = var / "spool"
        self.quarantine_dir = var / "quarantine"
        self._alert_log = (var / "alerts.jsonl").open("ab")
        self.pipeline = Pipeline(context, self.bus, detectors, live=True, alert_log=self._alert_log)
        self.authenticator = Authenticator(self.config.taxii_settings().accounts)
        self._warning_lock = threading.Lock()
        self._closed = False
        #: Called at ``close`` (the federation stops its outbox there).
        self.on_close: list[Callable[[], None]] = []
        log.info("hub %s (%s, %s) started with %d detectors", self.config.name, self.config.country or "-",
                 self.config.role, len(detectors))

    # -- accounts ------------------------------------------------------------------------------

    def login(self, name: str, secret: str) -> Account | None:
        return self.authenticator.verify(name, secret)

    def may(self, account: Account, right: str) -> bool:
        return right in self.config.rights_of(account.name)

    # -- ingest --------------------------------------------------------------------------------

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
        with self._warning_lock:
            return apply_warning(self.context, self.pipeline, self.indicators, document, sender)

    # -- health --------------------------------------------------------------------------------

    def health(self) -> dict:
        counters = self.context.counters.snapshot()
        rejected = counters.pop("envelopes_rejected_by_reason")
        counts = {name: counters.get(name, 0) for name in
                  ("events", "quarantined", "alerts", "alerts_stored", "ingest_requests", "envelopes_sent",
                   "envelopes_received", "envelopes_rejected")}
        return {"status": "ok", "hub": self.config.name, "country": self.config.country, "role": self.config.role,
                "started": self.started_at.isoformat(), "uptime_s": round(time.monotonic() - self.started, 3),
                "queues": self.bus.depths(), "counters": {**counters, **counts,
                                                          "envelopes_rejected_by_reason": rejected,
                                                          "warnings": count_warnings(self.context.sessions)}}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for hook in self.on_close:
            hook()
        self.bus.close()
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
        server = uvicorn.Server(uvicorn.Config(app_factory(service), log_level="info", access_log=False))
        if on_ready is not None:
            on_ready(service, f"http://{host}:{sock.getsockname()[1]}")
        server.run(sockets=[sock])
    finally:
        service.close()
        sock.close()
