"""Playing a feed into a running network, from outside, like real collectors: every batch is posted to its
country's national hub at ``/api/v1/ingest`` when its scenario time comes (accelerated by ``speed``), and
the hubs' alerts and early warnings are read back over their JSON API to score the play.

An alert names the source of its events; a hub names what arrived over its ingest endpoint by the account
and the SHA-256 of the body, so the player, which knows each body, tells which stage (or the background) an
alert came from. Stage telemetry and background go in separate requests for that reason; the hub cannot
tell them apart.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from .feed import Batch, Feed
from .scorecard import RunScore, StageOutcome, lead_times

log = logging.getLogger(__name__)
#: How long the player keeps reading alerts and warnings after the last batch (wall seconds).
SETTLE_S = 5.0
POLL_S = 0.5


@dataclass(frozen=True)
class HubEndpoint:
    """A hub of the network as ``network.json`` lists it."""

    name: str
    country: str
    role: str
    url: str
    username: str
    password: str


@dataclass
class _Observed:
    alerts: dict[str, dict] = field(default_factory=dict)  # alert id -> alert
    alert_seen: dict[str, datetime] = field(default_factory=dict)  # alert id -> scenario time first read
    warnings: dict[str, list[tuple[datetime, dict]]] = field(default_factory=dict)  # country -> (arrival, report)


class Player:
    """Plays one feed into one network and scores it."""

    def __init__(self, feed: Feed, hubs: list[HubEndpoint], speed: float,
                 on_progress: Callable[[int, int], None] | None = None, timeout: float = 60.0):
        self.feed, self.speed, self.on_progress = feed, speed, on_progress
        #: a collector posts about once a second of play: what it gathered over that much scenario time
        self.span = max(timedelta(minutes=5), timedelta(seconds=speed))
        self.labels: dict[str, str] = {}  # body digest -> stage label or "background"
        national = {h.country: h for h in hubs if h.role == "national"}
        missing = set(feed.scenario.countries) - set(national)
        if missing:
            raise ValueError(f"the network has no national hub for {', '.join(sorted(missing))}")
        self.hubs = {code: national[code] for code in feed.scenario.countries}
        self.clients = {code: httpx.Client(base_url=h.url, auth=(h.username, h.password), timeout=timeout)
                        for code, h in self.hubs.items()}
        self.observed = _Observed()
        self.ingest_errors: list[str] = []
        self._lock = threading.Lock()
        self._wall0 = 0.0
        self._since: dict[str, str] = {}  # per country: the newest alert creation time read

    def scenario_now(self) -> datetime:
        return self.feed.start + timedelta(seconds=(time.monotonic() - self._wall0) * self.speed)

    def play(self) -> RunScore:
        batches = self.feed.batches(self.span)
        stage_of_batch = self._stage_batches(batches)
        first_batch = {}
        for i, stage in stage_of_batch.items():
            first_batch.setdefault(stage, i)
        prevented: dict[int, bool] = {}
        self._wall0 = time.monotonic()
        stop = threading.Event()
        poller = threading.Thread(target=self._poll_until, args=(stop,), daemon=True)
        poller.start()
        workers = {code: ThreadPoolExecutor(1, thread_name_prefix=f"feed-{code}") for code in self.hubs}
        try:
            pending = []
            for i, batch in enumerate(batches):
                delay = (batch.at - self.feed.start).total_seconds() / self.speed - (time.monotonic() - self._wall0)
                if delay > 0:
                    time.sleep(delay)
                stage = stage_of_batch.get(i)
                if stage is not None and first_batch[stage] == i:
                    self._poll_once()
                    prevented[stage] = self._held(batch.country, self._observables(stage))
                pending.append(workers[batch.country].submit(
                    self._post, batch, f"stage-{stage}" if stage is not None else "background"))
                if self.on_progress:
                    self.on_progress(i + 1, len(batches))
            for future in pending:
                future.result()
            settle_until = time.monotonic() + SETTLE_S
            while time.monotonic() < settle_until:
                time.sleep(POLL_S)
        finally:
            stop.set()
            poller.join()
            for worker in workers.values():
                worker.shutdown(wait=True)
        self._poll_once()
        return self._score(prevented)

    # -- posting and reading ----------------------------------------------------------------------

    def _stage_batches(self, batches: list[Batch]) -> dict[int, int]:
        """Batch index -> stage index, for the batches that carry a stage's telemetry."""
        index_of = {s.label: s.index for s in self.feed.scenario.stages}
        out = {}
        for i, batch in enumerate(batches):
            labels = set(batch.labels)
            if labels != {"background"}:
                (label,) = labels
                out[i] = index_of[label]
        return out

    def _post(self, batch: Batch, tag: str) -> None:
        body = batch.body()
        with self._lock:
            self.labels[hashlib.sha256(body).hexdigest()[:32]] = tag
        try:
            response = self.clients[batch.country].post("/api/v1/ingest", params={"format": batch.format}, content=body)
            if response.status_code != 200:
                self.ingest_errors.append(f"{batch.country} {tag}: HTTP {response.status_code} {response.text[:200]}")
        except httpx.HTTPError as exc:
            self.ingest_errors.append(f"{batch.country} {tag}: {exc}")

    def _poll_until(self, stop: threading.Event) -> None:
        while not stop.wait(POLL_S):
            self._poll_once()

    def _poll_once(self) -> None:
        for code, client in self.clients.items():
            since = self._since.get(code)
            try:
                alerts = client.get("/api/v1/alerts", params={"limit": 10_000, **({"since": since} if since else {})})
                warnings = client.get("/api/v1/warnings")
                alerts.raise_for_status()
                warnings.raise_for_status()
                alerts, warnings = alerts.json(), warnings.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("reading %s failed: %s", self.hubs[code].name, exc)
                continue
            if alerts:
                self._since[code] = max(str(a["alert"]["created"]) for a in alerts)
            now = self.scenario_now()
            with self._lock:
                for alert in alerts:
                    key = alert.get("alert", {}).get("id") or alert.get("alert", {}).get("dedup_key")
                    if key and key not in self.observed.alerts:
                        self.observed.alerts[key] = alert
                        self.observed.alert_seen[key] = now
                known = {w.get("id") for _, w in self.observed.warnings.get(code, [])}
                for warning in warnings:
                    if warning.get("id") not in known:
                        self.observed.warnings.setdefault(code, []).append((now, warning))

    def _observables(self, stage: int) -> set[str]:
        text = b"\n".join(r.line() for r in self.feed.stages[stage]).decode().lower()
        return {v for v in self.feed.infrastructure.observables() if v.lower() in text}

    def _held(self, country: str, observables: set[str]) -> bool:
        """Whether ``country``'s hub had received a warning naming any of ``observables``."""
        with self._lock:
            reports = [w for _, w in self.observed.warnings.get(country, [])]
        text = " ".join(str(r) for r in reports).lower()
        return bool(observables) and any(v.lower() in text for v in observables)

    # -- scoring -----------------------------------------------------------------------------------

    def _score(self, prevented: dict[int, bool]) -> RunScore:
        score = RunScore(background_events=sum(len(r) for r in self.feed.background.values()))
        first: dict[int, datetime] = {}
        for key, alert in self.observed.alerts.items():
            source = str((alert.get("event", {}).get("provenance") or {}).get("source", ""))
            tag = self.labels.get(source.rsplit("-", 1)[-1])
            if tag is None:
                continue  # not from this play (an earlier one, or another feed)
            score.alerts += 1
            if tag == "background":
                score.false_alerts += 1
            elif tag.startswith("stage-"):
                stage = int(tag.removeprefix("stage-"))
                seen = self.observed.alert_seen[key]
                first[stage] = min(first.get(stage, seen), seen)
        for stage in self.feed.scenario.stages:
            started = self.feed.stage_start(stage)
            detected = first.get(stage.index)
            score.stages.append(StageOutcome(stage.country, stage.stage, started,
                                             max(detected, started) if detected else None,
                                             prevented.get(stage.index, False)))
        warned = {code: min(t for t, _ in items) for code, items in self.observed.warnings.items() if items}
        score.warned_at = warned
        score.warning_lead_times_s = lead_times(
            warned, [(s.country, self.feed.stage_start(s)) for s in self.feed.scenario.stages])
        return score
