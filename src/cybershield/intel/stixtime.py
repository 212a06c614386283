"""STIX/TAXII timestamps as fixed-width UTC strings (microseconds), so that text order is time order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_MICROSECOND = timedelta(microseconds=1)
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$")


def normalise(value: str) -> str:
    """``2017-05-31T21:30:19.7Z`` -> ``2017-05-31T21:30:19.700000Z``; ValueError if it is no STIX timestamp."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z): {value!r}")
    day, clock, fraction = match.groups()
    datetime.fromisoformat(f"{day}T{clock}")  # rejects 2020-13-45 and second 60, as strptime did, 4x faster
    return f"{day}T{clock}.{(fraction or '')[:6]:0<6}Z"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset) as an aware UTC datetime; ValueError if it is none."""
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)


def now() -> str:
    return format_time(datetime.now(UTC))


def stamps_after(last: str, count: int) -> list[str]:
    """``count`` normalised timestamps one microsecond apart: from now, or from just after ``last`` (a normalised
    timestamp or ``""``) when the clock has not passed it."""
    start = datetime.now(UTC).replace(tzinfo=None)
    if last:
        start = max(start, datetime.fromisoformat(last[:-1]) + _MICROSECOND)
    return [(start + _MICROSECOND * i).isoformat(timespec="microseconds") + "Z" for i in range(count)]
