"""The NIS2 Art. 23 reporting clock.

From the time the entity became aware of a significant incident:

- early warning: 24 hours after awareness;
- incident notification: 72 hours after awareness (24 hours for a trust service provider);
- intermediate report: only when the CSIRT asks for one, by the date it names;
- final report: one calendar month after the notification was submitted; "one month" is the same day
  of the next month in the hub's time zone, clamped to that month's last day (notification 31 January
  → final report 28 February, 29 February in a leap year), at the same wall-clock time;
- progress report: while the incident is still going on (not yet ``recovered`` or ``closed``), a progress
  report is due at the final report's date as the alternative to it; once a progress report is
  submitted, the final report is due one calendar month after the incident was handled (``null`` until then).

Hours are elapsed time (a 24-hour deadline across a daylight-saving change is 24 real hours, so its
wall-clock time moves by an hour). Everything is computed and stored in UTC and shown in the hub's time
zone. A deadline is ``null`` while it is not yet due (the final report before the notification is submitted).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ResponseError

ENTITY_TYPES = ("essential", "important", "trust-service")
#: report kind (CLI, submissions) -> deadline key (clock JSON)
REPORT_KINDS = {"early-warning": "early_warning", "notification": "notification", "intermediate": "intermediate",
                "final": "final_report", "progress": "progress_report"}
#: what a report is written as (``reports.FORMATS`` writes each)
REPORT_FORMATS = ("json", "stix", "html")
#: how long before a deadline a reminder is raised
REMINDERS = {"early_warning": timedelta(hours=6), "notification": timedelta(hours=12),
             "intermediate": timedelta(hours=12), "final_report": timedelta(days=7),
             "progress_report": timedelta(days=7)}


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ResponseError(f"unknown time zone {name!r} (an IANA name such as Europe/Brussels)") from None


def parse_time(text: str | datetime, tz: ZoneInfo) -> datetime:
    """An ISO 8601 time as aware UTC; a time without an offset is read in the hub's time zone ``tz``."""
    if isinstance(text, datetime):
        stamp = text
    else:
        try:
            stamp = datetime.fromisoformat(text.strip().replace("z", "Z"))
        except (ValueError, AttributeError):
            raise ResponseError(f"not an ISO 8601 time: {text!r} (e.g. 2026-03-29T10:00:00+02:00)") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=tz)
    return stamp.astimezone(UTC)


def iso(stamp: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``."""
    return None if stamp is None else stamp.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_iso(stamp: datetime | None, tz: ZoneInfo) -> str | None:
    return None if stamp is None else stamp.astimezone(tz).isoformat()


def add_calendar_month(stamp: datetime, tz: ZoneInfo) -> datetime:
    """The same wall-clock time one calendar month later in ``tz``, the day clamped to the month's end."""
    local = stamp.astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day, fold=0).astimezone(UTC)


@dataclass
class ClockInput:
    """What the clock needs from an incident."""

    aware_at: datetime
    entity_type: str | None
    submitted: dict[str, datetime] = field(default_factory=dict)  # deadline key -> first submission (UTC)
    handled_at: datetime | None = None
    intermediate_due: datetime | None = None


def deadlines(clock: ClockInput, tz: ZoneInfo) -> dict[str, datetime | None]:
    """Each report's due time in UTC, ``None`` where not (yet) due."""
    notification_hours = 24 if clock.entity_type == "trust-service" else 72
    due: dict[str, datetime | None] = {
        "early_warning": clock.aware_at + timedelta(hours=24),
        "notification": clock.aware_at + timedelta(hours=notification_hours),
        "intermediate": clock.intermediate_due,
        "final_report": None,
        "progress_report": None,
    }
    notified = clock.submitted.get("notification")
    if notified is None:
        return due
    month_after = add_calendar_month(notified, tz)
    if "progress_report" in clock.submitted:
        due["progress_report"] = month_after
        due["final_report"] = add_calendar_month(clock.handled_at, tz) if clock.handled_at else None
        return due
    due["final_report"] = month_after
    ongoing = clock.handled_at is None or clock.handled_at > month_after
    if ongoing and "final_report" not in clock.submitted:
        due["progress_report"] = month_after
    return due


def clock_view(clock: ClockInput, tz: ZoneInfo, now: datetime) -> dict:
    """The clock as the CLI and API show it: deadlines in UTC and local time, state, overdue and reminders."""
    due = deadlines(clock, tz)
    states, overdue, reminders = {}, [], []
    for key, when in due.items():
        sent = clock.submitted.get(key)
        if sent is not None:
            states[key] = "late" if when is not None and sent > when else "met"
        elif when is None:
            states[key] = "not-due"
        elif now > when:
            states[key] = "overdue"
            overdue.append(key)
        elif when - now <= REMINDERS[key]:
            states[key] = "due-soon"
            reminders.append(key)
        else:
            states[key] = "pending"
    return {
        "aware_at": iso(clock.aware_at),
        "entity_type": clock.entity_type,
        "timezone": tz.key,
        "now": iso(now),
        "deadlines": {key: iso(when) for key, when in due.items()},
        "local": {key: local_iso(when, tz) for key, when in due.items()},
        "submitted": {key: iso(clock.submitted.get(key)) for key in due},
        "state": states,
        "overdue": overdue,
        "reminders": reminders,
    }
