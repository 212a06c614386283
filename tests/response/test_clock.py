"""The NIS2 clock: DST in Europe/Brussels, leap day, month ends, awareness with any offset, the final/progress rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cybershield.response import ClockInput, ResponseError, clock_view, parse_time, zone
from cybershield.response.clock import add_calendar_month, deadlines

BRUSSELS = zone("Europe/Brussels")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_spring_forward_keeps_24_real_hours_and_shifts_the_wall_clock():
    aware = parse_time("2026-03-28T10:00:00", BRUSSELS)  # CET, the night before DST starts
    due = deadlines(ClockInput(aware, "essential"), BRUSSELS)
    assert due["early_warning"] == utc("2026-03-29T09:00:00+00:00")
    assert due["early_warning"].astimezone(BRUSSELS).isoformat() == "2026-03-29T11:00:00+02:00"
    assert due["notification"] == utc("2026-03-31T09:00:00+00:00")


def test_fall_back_keeps_24_real_hours():
    aware = parse_time("2026-10-24T10:00:00+02:00", BRUSSELS)  # CEST, the night before DST ends
    due = deadlines(ClockInput(aware, "important"), BRUSSELS)
    assert due["early_warning"].astimezone(BRUSSELS).isoformat() == "2026-10-25T09:00:00+01:00"


@pytest.mark.parametrize("notified, final", [
    ("2027-01-31T12:00:00+01:00", "2027-02-28T12:00:00+01:00"),  # clamped to February's end
    ("2028-01-31T12:00:00+01:00", "2028-02-29T12:00:00+01:00"),  # leap year
    ("2028-02-29T12:00:00+01:00", "2028-03-29T12:00:00+02:00"),  # from leap day, across DST: same wall clock
    ("2026-03-31T08:00:00+02:00", "2026-04-30T08:00:00+02:00"),
    ("2026-12-31T23:30:00+01:00", "2027-01-31T23:30:00+01:00"),  # year end
    ("2026-10-31T10:00:00+01:00", "2026-11-30T10:00:00+01:00"),
])
def test_final_report_is_one_calendar_month_after_the_notification(notified, final):
    aware = utc(notified) - (utc("2026-01-02T00:00:00+00:00") - utc("2026-01-01T00:00:00+00:00"))
    clock = ClockInput(aware, "essential", {"notification": utc(notified)})
    assert deadlines(clock, BRUSSELS)["final_report"] == utc(final)


def test_the_month_is_counted_in_the_hub_time_zone():
    # 00:30 on 1 March in Brussels is still 28 February in UTC: the local date counts
    notified = parse_time("2026-03-01T00:30:00", BRUSSELS)
    assert add_calendar_month(notified, BRUSSELS).astimezone(BRUSSELS).date().isoformat() == "2026-04-01"
    assert add_calendar_month(notified, zone("UTC")).date().isoformat() == "2026-03-28"


@pytest.mark.parametrize("given", ["2026-05-04T15:30:00+05:30", "2026-05-04T02:00:00-08:00", "2026-05-04T10:00:00Z",
                                   "2026-05-04T12:00:00"])
def test_awareness_with_any_offset_is_the_same_instant(given):
    aware = parse_time(given, BRUSSELS)  # the last one has no offset: Brussels time (CEST)
    view = clock_view(ClockInput(aware, "important"), BRUSSELS, now=aware)
    assert view["aware_at"] == "2026-05-04T10:00:00Z"
    assert view["deadlines"]["early_warning"] == "2026-05-05T10:00:00Z"
    assert view["local"]["early_warning"] == "2026-05-05T12:00:00+02:00"


def test_trust_service_providers_notify_within_24_hours():
    aware = utc("2026-05-04T10:00:00+00:00")
    assert deadlines(ClockInput(aware, "trust-service"), BRUSSELS)["notification"] == utc("2026-05-05T10:00:00+00:00")
    assert deadlines(ClockInput(aware, "essential"), BRUSSELS)["notification"] == utc("2026-05-07T10:00:00+00:00")


def test_final_report_is_null_before_the_notification_and_progress_replaces_it_while_ongoing():
    aware = utc("2026-05-04T10:00:00+00:00")
    notified = utc("2026-05-06T10:00:00+00:00")
    assert deadlines(ClockInput(aware, "essential"), BRUSSELS)["final_report"] is None
    ongoing = deadlines(ClockInput(aware, "essential", {"notification": notified}), BRUSSELS)
    assert ongoing["final_report"] == ongoing["progress_report"] == utc("2026-06-06T10:00:00+00:00")
    handled = deadlines(ClockInput(aware, "essential", {"notification": notified},
                                   handled_at=utc("2026-05-20T00:00:00+00:00")), BRUSSELS)
    assert handled["progress_report"] is None
    progressed = ClockInput(aware, "essential", {"notification": notified, "progress_report": utc("2026-06-05T00:00:00+00:00")})
    assert deadlines(progressed, BRUSSELS)["final_report"] is None  # not handled yet
    progressed.handled_at = utc("2026-07-15T09:00:00+00:00")
    assert deadlines(progressed, BRUSSELS)["final_report"] == utc("2026-08-15T09:00:00+00:00")


def test_overdue_reminders_and_late_submissions():
    aware = utc("2026-05-04T10:00:00+00:00")
    clock = ClockInput(aware, "essential", {"early_warning": utc("2026-05-05T11:00:00+00:00")})
    view = clock_view(clock, BRUSSELS, now=utc("2026-05-07T00:00:00+00:00"))
    assert view["state"]["early_warning"] == "late"
    assert view["reminders"] == ["notification"] and view["overdue"] == []
    later = clock_view(clock, BRUSSELS, now=utc("2026-05-07T10:00:01+00:00"))
    assert later["overdue"] == ["notification"]


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00", ""])
def test_bad_times_and_zones_are_refused_with_a_reason(bad):
    with pytest.raises(ResponseError, match="ISO 8601"):
        parse_time(bad, BRUSSELS)
    with pytest.raises(ResponseError, match="time zone"):
        zone("Europe/Atlantis")
