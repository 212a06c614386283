"""The Reserve desk: providers and support requests in the database, each change in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..storage.models import ReserveProviderRecord, ReserveRequestRecord
from . import trail
from .clock import add_calendar_month, iso, parse_time
from .errors import NotFound, ResponseError
from .incident import new_id
from .reserve import Provider, SupportNeeds, answer_due, incident_priority, match, request_content
from .store import IncidentStore


class ReserveDesk:
    def __init__(self, incidents: IncidentStore, tz: ZoneInfo) -> None:
        self.incidents = incidents
        self.sessions: sessionmaker[Session] = incidents.sessions
        self.tz = tz

    # -- providers -----------------------------------------------------------------------------------
    def load_providers(self, providers: list[Provider], actor: str = "operator") -> dict:
        now = datetime.now(UTC)
        added = updated = 0
        with self.sessions.begin() as session:
            for provider in providers:
                record = session.get(ReserveProviderRecord, provider.id)
                if record is None:
                    session.add(ReserveProviderRecord(id=provider.id, name=provider.name,
                                                      available=provider.availability != "unavailable",
                                                      document=provider.as_dict()))
                    added += 1
                else:
                    record.name, record.document = provider.name, provider.as_dict()
                    record.available = provider.availability != "unavailable"
                    updated += 1
            trail.append(session, now, actor, "reserve-providers", None, {"providers": [p.id for p in providers]})
        return {"added": added, "updated": updated}

    def providers(self) -> list[Provider]:
        with self.sessions() as session:
            return [Provider.of(r.document, r.id) for r in
                    session.scalars(select(ReserveProviderRecord).order_by(ReserveProviderRecord.id))]

    # -- requests ------------------------------------------------------------------------------------
    def _view(self, record: ReserveRequestRecord, now: datetime) -> dict:
        doc = record.document
        requested = record.requested_at.replace(tzinfo=UTC) if record.requested_at.tzinfo is None else record.requested_at
        due = answer_due(requested)
        answered = doc.get("answered_at")
        ended = doc.get("support_ended_at")
        report_due = add_calendar_month(datetime.fromisoformat(ended), self.tz) if ended else None
        return {
            "id": record.id, "incident": record.incident_id, "status": record.status, "priority": record.priority,
            "priority_parts": doc["priority_parts"], "requested_at": iso(requested), "provider": record.provider_id,
            "answer_due": iso(due), "answered_at": answered,
            "answer_overdue": answered is None and now > due,
            "support_ended_at": ended, "report_due": iso(report_due), "reported_at": doc.get("reported_at"),
            "report_overdue": report_due is not None and doc.get("reported_at") is None and now > report_due,
            "content": doc["content"], "candidates": doc.get("candidates", []), "report": doc.get("report"),
        }

    def request(self, incident_id: str, needs: SupportNeeds, at: datetime | None = None,
                actor: str = "analyst") -> dict:
        at = at or datetime.now(UTC)
        incident = self.incidents.get(incident_id)
        content = request_content(incident, needs)
        score, parts = incident_priority(content, incident.get("entity_type"))
        candidates = match(self.providers(), content)
        with self.sessions.begin() as session:
            record = ReserveRequestRecord(id=new_id("RSV"), incident_id=incident_id, status="requested",
                                          priority=score, requested_at=at, provider_id=None,
                                          document={"content": content, "priority_parts": parts,
                                                    "candidates": candidates})
            session.add(record)
            trail.append(session, datetime.now(UTC), actor, "reserve-request", incident_id,
                         {"request": record.id, "priority": score, "needs": list(needs.capabilities)})
            return self._view(record, datetime.now(UTC))

    def _record(self, session: Session, request_id: str) -> ReserveRequestRecord:
        record = session.get(ReserveRequestRecord, request_id)
        if record is None:
            raise NotFound(f"no Reserve request {request_id!r}")
        return record

    def status(self, request_id: str | None = None, now: datetime | None = None) -> list[dict]:
        """One request, or every request by priority (highest first, then the earlier)."""
        now = now or datetime.now(UTC)
        with self.sessions() as session:
            if request_id:
                return [self._view(self._record(session, request_id), now)]
            rows = session.scalars(select(ReserveRequestRecord).order_by(ReserveRequestRecord.priority.desc(),
                                                                         ReserveRequestRecord.requested_at))
            return [self._view(r, now) for r in rows]

    def _move(self, request_id: str, allowed: tuple[str, ...], status: str, changes: dict, actor: str,
              provider: str | None = None) -> dict:
        with self.sessions.begin() as session:
            record = self._record(session, request_id)
            if record.status not in allowed:
                raise ResponseError(f"request {request_id} is {record.status}; it cannot become {status}", status=409)
            if provider is not None:
                if session.get(ReserveProviderRecord, provider) is None:
                    raise NotFound(f"no Reserve provider {provider!r} (reserve providers --load FILE)")
                record.provider_id = provider
            record.status = status
            record.document = {**record.document, **changes}
            trail.append(session, datetime.now(UTC), actor, f"reserve-{status}", record.incident_id,
                         {"request": request_id, "provider": provider, **changes})
            return self._view(record, datetime.now(UTC))

    def assign(self, request_id: str, provider: str, at: datetime, actor: str = "operator") -> dict:
        return self._move(request_id, ("requested",), "assigned", {"answered_at": iso(at)}, actor, provider)

    def decline(self, request_id: str, reason: str, at: datetime, actor: str = "operator") -> dict:
        return self._move(request_id, ("requested",), "declined", {"answered_at": iso(at), "reason": reason}, actor)

    def end(self, request_id: str, at: datetime, actor: str = "operator") -> dict:
        return self._move(request_id, ("assigned",), "ended", {"support_ended_at": iso(at)}, actor)

    def report(self, request_id: str, text: str, at: datetime, actor: str = "analyst") -> dict:
        if not text.strip():
            raise ResponseError("the report on the support needs its text (--text)")
        return self._move(request_id, ("ended",), "reported", {"reported_at": iso(at), "report": text}, actor)

    def parse(self, text: str) -> datetime:
        return parse_time(text, self.tz)
