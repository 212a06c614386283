"""The incident store: every SQL statement of incidents, their alerts, submissions and the audit trail.

Every change is written with its audit entry in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..storage import make_engine, migrate
from ..storage.models import AlertRecord, IncidentAlertRecord, IncidentRecord, SubmissionRecord
from . import trail
from .audit import Finding
from .clock import REPORT_KINDS, ClockInput, iso
from .errors import NotFound, ResponseError
from .grouping import AlertView, GroupingRules, OpenIncident, group_alerts
from .incident import LIST_FIELDS, Changes, check_entity_type, check_severity, new_id, severity_of
from .lifecycle import HANDLED, check_transition

log = logging.getLogger(__name__)


def _utc(stamp: datetime | None) -> datetime | None:
    """Aware UTC (SQLite gives naive datetimes back)."""
    if stamp is None:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _alert_view(record: AlertRecord) -> AlertView:
    return AlertView(record.id, _utc(record.event_time or record.created), record.rule_title, record.level,
                     tuple(record.techniques or ()), record.document or {})


class IncidentStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @classmethod
    def open(cls, url: str) -> IncidentStore:
        engine = make_engine(url)  # creates the SQLite file's folder
        migrate(url)
        return cls(sessionmaker(engine, expire_on_commit=False))

    # -- reading -------------------------------------------------------------------------------------
    def _record(self, session: Session, incident_id: str) -> IncidentRecord:
        record = session.get(IncidentRecord, incident_id)
        if record is None:
            raise NotFound(f"no incident {incident_id!r}")
        return record

    def _view(self, session: Session, record: IncidentRecord, full: bool = True) -> dict:
        view = {
            "id": record.id, "title": record.title, "status": record.status, "severity": record.severity,
            "owner": record.owner, "entity_type": record.entity_type, "sector": record.sector,
            "aware_at": iso(_utc(record.aware_at)), "created": iso(_utc(record.created)),
            "updated": iso(_utc(record.updated)), "resolved_at": iso(_utc(record.resolved_at)),
            "merged_into": record.merged_into, **{k: [] for k in LIST_FIELDS}, **(record.document or {}),
        }
        if full:
            view["alerts"] = list(session.scalars(select(IncidentAlertRecord.alert_id).where(
                IncidentAlertRecord.incident_id == record.id).order_by(IncidentAlertRecord.alert_id)))
            view["submissions"] = [
                {"kind": s.kind, "submitted_at": iso(_utc(s.submitted_at))}
                for s in session.scalars(select(SubmissionRecord).where(SubmissionRecord.incident_id == record.id)
                                         .order_by(SubmissionRecord.submitted_at, SubmissionRecord.id))]
        return view

    def get(self, incident_id: str) -> dict:
        with self.sessions() as session:
            return self._view(session, self._record(session, incident_id))

    def list(self, status: str | None = None, include_merged: bool = False) -> list[dict]:
        with self.sessions() as session:
            query = select(IncidentRecord).order_by(IncidentRecord.aware_at, IncidentRecord.id)
            if status:
                query = query.where(IncidentRecord.status == status)
            if not include_merged:
                query = query.where(IncidentRecord.merged_into.is_(None))
            return [self._view(session, r, full=False) for r in session.scalars(query)]

    def changed_since(self, moment: datetime) -> list[dict]:
        """Incidents changed at or after ``moment`` (merged ones included), oldest change first."""
        with self.sessions() as session:
            query = (select(IncidentRecord).where(IncidentRecord.updated >= moment.astimezone(UTC))
                     .order_by(IncidentRecord.updated, IncidentRecord.id))
            return [self._view(session, r) for r in session.scalars(query)]

    def alerts(self, incident_id: str) -> list[dict]:
        """The stored alert documents of an incident, oldest first."""
        with self.sessions() as session:
            self._record(session, incident_id)
            rows = session.scalars(select(AlertRecord).join(IncidentAlertRecord, IncidentAlertRecord.alert_id ==
                                                            AlertRecord.id)
                                   .where(IncidentAlertRecord.incident_id == incident_id)
                                   .order_by(AlertRecord.event_time, AlertRecord.id))
            return [{"id": r.id, "rule_id": r.rule_id, "rule_title": r.rule_title, "level": r.level,
                     "techniques": list(r.techniques or ()), "time": iso(_utc(r.event_time or r.created)),
                     "document": r.document} for r in rows]

    def clock_input(self, incident_id: str) -> ClockInput:
        with self.sessions() as session:
            record = self._record(session, incident_id)
            submitted: dict[str, datetime] = {}
            for s in session.scalars(select(SubmissionRecord).where(SubmissionRecord.incident_id == incident_id)
                                     .order_by(SubmissionRecord.submitted_at)):
                submitted.setdefault(REPORT_KINDS[s.kind], _utc(s.submitted_at))
            due = (record.document or {}).get("intermediate_due")
            return ClockInput(_utc(record.aware_at), record.entity_type, submitted, _utc(record.resolved_at),
                              datetime.fromisoformat(due) if due else None)

    def submission(self, incident_id: str, kind: str) -> dict | None:
        """The newest submitted report of a kind, as it was submitted."""
        with self.sessions() as session:
            row = session.scalars(select(SubmissionRecord).where(SubmissionRecord.incident_id == incident_id,
                                                                 SubmissionRecord.kind == kind)
                                  .order_by(SubmissionRecord.submitted_at.desc())).first()
            return None if row is None else row.document

    def audit(self, incident_id: str | None = None) -> list[dict]:
        with self.sessions() as session:
            return trail.entries(session, incident_id)

    def verify(self) -> tuple[int, list[Finding]]:
        with self.sessions() as session:
            return trail.check(session)

    # -- changing ------------------------------------------------------------------------------------
    def open_incident(self, title: str, aware_at: datetime, entity_type: str | None, *, sector: str | None = None,
                      severity: str = "medium", owner: str | None = None, entity: str | None = None,
                      country: str | None = None, actor: str = "analyst", now: datetime | None = None,
                      alerts: Iterable[str] = (), document: dict | None = None) -> dict:
        if not title.strip():
            raise ResponseError("an incident needs a title")
        now = now or datetime.now(UTC)
        check_severity(severity)
        check_entity_type(entity_type)
        doc = dict(document or {})
        if entity:
            doc["entities"] = [{"name": entity, "type": entity_type, "sector": sector, "country": country}]
        if country:
            doc["countries"] = sorted(set(doc.get("countries", [])) | {country})
        with self.sessions.begin() as session:
            record = IncidentRecord(id=new_id(), title=title.strip(), status="new", severity=severity, owner=owner,
                                    entity_type=entity_type, sector=sector, aware_at=aware_at, created=now,
                                    updated=now, document=doc)
            session.add(record)
            alert_ids = self._attach(session, record.id, alerts, now)
            trail.append(session, now, actor, "open", record.id,
                         {"title": record.title, "aware_at": iso(aware_at), "entity_type": entity_type,
                          "sector": sector, "severity": severity, "alerts": alert_ids})
            session.flush()
            return self._view(session, record)

    def _attach(self, session: Session, incident_id: str, alert_ids: Iterable[str], now: datetime) -> list[str]:
        alert_ids = sorted(set(alert_ids))
        if not alert_ids:
            return []
        known = set(session.scalars(select(AlertRecord.id).where(AlertRecord.id.in_(alert_ids))))
        missing = [a for a in alert_ids if a not in known]
        if missing:
            raise NotFound(f"no stored alert {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        for row in session.scalars(select(IncidentAlertRecord).where(IncidentAlertRecord.alert_id.in_(alert_ids))):
            session.delete(row)
        session.flush()
        session.add_all(IncidentAlertRecord(alert_id=a, incident_id=incident_id, added=now) for a in alert_ids)
        return alert_ids

    def update(self, incident_id: str, changes: Changes, actor: str = "analyst", now: datetime | None = None) -> dict:
        if not changes:
            raise ResponseError("nothing to change")
        now = now or datetime.now(UTC)
        with self.sessions.begin() as session:
            record = self._record(session, incident_id)
            if record.merged_into:
                raise ResponseError(f"{incident_id} was merged into {record.merged_into}; change that one", status=409)
            columns = dict(changes.columns)
            if "status" in columns:
                check_transition(record.status, columns["status"])
                if columns["status"] in HANDLED and record.resolved_at is None:
                    record.resolved_at = now
            if "severity" in columns:
                check_severity(columns["severity"])
            if "entity_type" in columns:
                check_entity_type(columns["entity_type"])
            for name, value in columns.items():
                setattr(record, name, value)
            doc = dict(record.document or {})
            doc.update(changes.fields)
            for name, items in changes.additions.items():
                current = list(doc.get(name, []))
                current += [i for i in items if i not in current]
                doc[name] = current
            record.document = doc
            record.updated = now
            trail.append(session, now, actor, "update", incident_id, changes.as_dict())
            return self._view(session, record)

    def merge(self, target_id: str, other_ids: list[str], actor: str = "analyst", now: datetime | None = None) -> dict:
        """Move the alerts and list fields of ``other_ids`` into ``target_id``; the others point to it."""
        now = now or datetime.now(UTC)
        if not other_ids or target_id in other_ids:
            raise ResponseError("merge needs a target and at least one other incident")
        with self.sessions.begin() as session:
            target = self._record(session, target_id)
            if target.merged_into:
                raise ResponseError(f"{target_id} was merged into {target.merged_into}; merge into that one", status=409)
            doc = dict(target.document or {})
            for other_id in other_ids:
                other = self._record(session, other_id)
                if other.merged_into:
                    raise ResponseError(f"{other_id} was already merged into {other.merged_into}", status=409)
                for row in session.scalars(select(IncidentAlertRecord).where(IncidentAlertRecord.incident_id == other_id)):
                    row.incident_id = target_id
                for name in LIST_FIELDS:
                    current = list(doc.get(name, []))
                    current += [i for i in (other.document or {}).get(name, []) if i not in current]
                    if current:
                        doc[name] = current
                if other.aware_at and _utc(other.aware_at) < _utc(target.aware_at):
                    target.aware_at = other.aware_at  # awareness of the merged incident is the earliest
                other.merged_into = target_id
                other.updated = now
                trail.append(session, now, actor, "merged", other_id, {"into": target_id})
            target.document = doc
            target.updated = now
            trail.append(session, now, actor, "merge", target_id, {"merged": other_ids})
            session.flush()
            return self._view(session, target)

    def split(self, incident_id: str, alert_ids: list[str], title: str, actor: str = "analyst",
              now: datetime | None = None) -> dict:
        """A new incident with ``alert_ids`` taken out of ``incident_id`` (same awareness, entity and severity)."""
        now = now or datetime.now(UTC)
        with self.sessions.begin() as session:
            source = self._record(session, incident_id)
            held = set(session.scalars(select(IncidentAlertRecord.alert_id).where(
                IncidentAlertRecord.incident_id == incident_id)))
            missing = [a for a in alert_ids if a not in held]
            if not alert_ids or missing:
                raise ResponseError(f"split takes alerts of {incident_id}; not in it: {missing or 'none given'}")
            if set(alert_ids) == held:
                raise ResponseError("split must leave at least one alert in the incident")
            record = IncidentRecord(id=new_id(), title=title, status="new", severity=source.severity,
                                    owner=source.owner, entity_type=source.entity_type, sector=source.sector,
                                    aware_at=source.aware_at, created=now, updated=now,
                                    document={"entities": (source.document or {}).get("entities", [])})
            session.add(record)
            session.flush()
            for row in session.scalars(select(IncidentAlertRecord).where(IncidentAlertRecord.alert_id.in_(alert_ids))):
                row.incident_id = record.id
            trail.append(session, now, actor, "split", incident_id, {"into": record.id, "alerts": sorted(alert_ids)})
            trail.append(session, now, actor, "open", record.id, {"title": title, "split_from": incident_id,
                                                                   "alerts": sorted(alert_ids)})
            session.flush()
            return self._view(session, record)

    def group(self, rules: GroupingRules, actor: str = "grouping", now: datetime | None = None,
              entity_type: str | None = None) -> list[dict]:
        """Group the stored alerts that are in no incident yet; returns what each group became."""
        now = now or datetime.now(UTC)
        with self.sessions.begin() as session:
            assigned = select(IncidentAlertRecord.alert_id)
            free = [_alert_view(r) for r in session.scalars(select(AlertRecord).where(AlertRecord.id.not_in(assigned)))]
            opened = session.scalars(select(IncidentRecord).where(IncidentRecord.merged_into.is_(None),
                                                                  IncidentRecord.status != "closed")).all()
            open_incidents = [OpenIncident(r.id, set((r.document or {}).get("keys", [])),
                                           datetime.fromisoformat(r.document["last_seen"]))
                              for r in opened if (r.document or {}).get("last_seen")]
            results = []
            for group in group_alerts(free, rules, open_incidents):
                ids = [a.id for a in group.alerts]
                if group.incident_id:
                    record = self._record(session, group.incident_id)
                    doc = dict(record.document or {})
                    doc["techniques"] = sorted(set(doc.get("techniques", [])) | set(group.techniques))
                    doc["keys"] = sorted(set(doc.get("keys", [])) | group.keys)
                    doc["last_seen"] = max(datetime.fromisoformat(doc["last_seen"]), group.last_seen).isoformat()
                    record.document = doc
                    record.updated = now
                    self._attach(session, record.id, ids, now)
                    trail.append(session, now, actor, "alerts-added", record.id, {"alerts": sorted(ids)})
                    results.append({"incident": record.id, "new": False, "alerts": len(ids)})
                    continue
                titles = sorted({a.rule_title for a in group.alerts})
                title = titles[0] + (f" (+{len(titles) - 1} related detections)" if len(titles) > 1 else "")
                first_known = min(_utc(r) for r in session.scalars(select(AlertRecord.created).where(
                    AlertRecord.id.in_(ids))))
                record = IncidentRecord(
                    id=new_id(), title=title, status="new", severity=severity_of(group.severity), owner=None,
                    entity_type=entity_type, sector=None, aware_at=first_known, created=now, updated=now,
                    document={"techniques": group.techniques, "keys": sorted(group.keys),
                              "last_seen": group.last_seen.isoformat(),
                              "observables": _observables(group.keys)})
                session.add(record)
                session.flush()
                self._attach(session, record.id, ids, now)
                trail.append(session, now, actor, "open", record.id,
                             {"title": title, "grouped_by": sorted(group.keys), "alerts": sorted(ids)})
                results.append({"incident": record.id, "new": True, "alerts": len(ids)})
            log.info("grouped %d free alerts into %d incidents", len(free), len(results))
            return results

    def submit(self, incident_id: str, kind: str, at: datetime, report: dict, actor: str = "analyst") -> dict:
        if kind not in REPORT_KINDS:
            raise ResponseError(f"unknown report kind {kind!r}; one of: {', '.join(REPORT_KINDS)}")
        with self.sessions.begin() as session:
            record = self._record(session, incident_id)
            if kind in ("final", "progress", "intermediate") and not session.scalars(select(SubmissionRecord.id).where(
                    SubmissionRecord.incident_id == incident_id, SubmissionRecord.kind == "notification")).first():
                raise ResponseError(f"a {kind} report follows the incident notification; submit that first", status=409)
            if at < _utc(record.aware_at):
                raise ResponseError("a report cannot be submitted before the entity became aware of the incident")
            session.add(SubmissionRecord(incident_id=incident_id, kind=kind, submitted_at=at, document=report))
            trail.append(session, datetime.now(UTC), actor, "submit", incident_id, {"report": kind, "at": iso(at)})
        return {"incident": incident_id, "report": kind, "submitted_at": iso(at)}

    def record(self, incident_id: str, action: str, data: dict, actor: str = "analyst") -> None:
        """An audit entry for something done outside the store (a report or review package written)."""
        with self.sessions.begin() as session:
            self._record(session, incident_id)
            trail.append(session, datetime.now(UTC), actor, action, incident_id, data)


def _observables(keys: Iterable[str]) -> list[dict]:
    kinds = {"host": "host", "user": "user-account"}
    return [{"type": kinds[k.split(":", 1)[0]], "value": k.split(":", 1)[1]} for k in sorted(keys)
            if k.split(":", 1)[0] in kinds]
