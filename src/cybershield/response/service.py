"""One hub's incident response, assembled from its settings: what the CLI and the JSON API both call."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import Settings
from ..hub import HubConfig, HubError, load_hub_config
from .attribution import AttributionModel, load_profiles
from .clock import REPORT_KINDS, clock_view, parse_time, zone
from .errors import ResponseError
from .grouping import GroupingRules
from .reports import FORMATS, build_report
from .reserve_desk import ReserveDesk
from .review import build_review
from .store import IncidentStore


@dataclass
class ResponseService:
    store: IncidentStore
    tz: ZoneInfo
    hub: str
    rules: GroupingRules
    data_dir: Path
    var_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings, config: HubConfig | None = None) -> ResponseService:
        """The hub configuration gives ``hub.name``, ``hub.timezone`` and ``response.grouping``."""
        if config is None:
            try:
                config = load_hub_config(settings.hub_config_path)
            except HubError as exc:
                raise ResponseError(exc.message) from None
        return cls(IncidentStore.open(settings.db_url), zone(config.timezone), config.name,
                   GroupingRules.from_config(config.grouping), settings.data_dir, settings.var_dir)

    @classmethod
    def for_hub(cls, context) -> ResponseService:
        """The response service of a running hub (``hub.HubContext``: its settings, configuration and database)."""
        config = context.config
        return cls(IncidentStore(context.sessions), zone(config.timezone), config.name,
                   GroupingRules.from_config(config.grouping), context.settings.data_dir, context.settings.var_dir)

    def time(self, text: str | None) -> datetime:
        """An ISO time given by a person (no offset: the hub's time zone), or now."""
        return datetime.now(UTC) if text is None else parse_time(text, self.tz)

    def clock(self, incident_id: str, now: datetime | None = None) -> dict:
        return {"incident": incident_id,
                **clock_view(self.store.clock_input(incident_id), self.tz, now or datetime.now(UTC))}

    def _status_updates(self, incident_id: str) -> list[dict]:
        """The changes recorded after the notification's submission was (intermediate and progress reports)."""
        updates, notified = [], False
        for entry in self.store.audit(incident_id):
            if entry.get("action") == "submit" and (entry.get("data") or {}).get("report") == "notification":
                notified = True
            elif notified and entry.get("action") == "update":
                updates.append({"at": entry["at"], "change": entry["data"]})
        return updates

    def report(self, incident_id: str, kind: str, now: datetime | None = None) -> dict:
        if kind not in REPORT_KINDS:
            raise ResponseError(f"unknown report kind {kind!r}; one of: {', '.join(REPORT_KINDS)}")
        return build_report(kind, self.store.get(incident_id), self.clock(incident_id, now),
                            self._status_updates(incident_id), self.hub, now)

    def render_report(self, incident_id: str, kind: str, fmt: str) -> str:
        if fmt not in FORMATS:
            raise ResponseError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
        return FORMATS[fmt](self.report(incident_id, kind))

    def submit(self, incident_id: str, kind: str, at: datetime, actor: str = "analyst") -> dict:
        """Record the submission of a report (the report as generated now is kept with it); returns the clock."""
        result = self.store.submit(incident_id, kind, at, self.report(incident_id, kind) if kind in REPORT_KINDS
                                   else {}, actor)
        return {**result, "clock": self.clock(incident_id)}

    def review(self, incident_id: str) -> dict:
        incident = self.store.get(incident_id)
        merged = [i["id"] for i in self.store.list(include_merged=True) if i["merged_into"] == incident_id]
        audit = [e for i in [incident_id, *merged] for e in self.store.audit(i)]
        reserve = [r for r in self.reserve.status() if r["incident"] == incident_id]
        return build_review(incident, audit, self.store.alerts(incident_id), reserve, self.hub)

    @functools.cached_property
    def reserve(self) -> ReserveDesk:
        return ReserveDesk(self.store, self.tz)

    @functools.cached_property
    def attribution(self) -> AttributionModel:
        return AttributionModel(load_profiles(self.data_dir, self.var_dir))

    def attribute(self, incident_id: str, top: int = 5) -> dict:
        """Rank intrusion sets by an incident's techniques (its own and its alerts') and software."""
        incident = self.store.get(incident_id)
        techniques = sorted(set(incident.get("techniques", [])) |
                            {t for a in self.store.alerts(incident_id) for t in a["techniques"]})
        return {"incident": incident_id, **self.attribution.rank(techniques, incident.get("software", []), top)}
