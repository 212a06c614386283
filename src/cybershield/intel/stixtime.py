"""STIX/TAXII timestamps as fixed-width UTC strings (microseconds), so that text order is time order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$")


def normalise(value: str) -> str:
    """``2017-05-31T21:30:19.7Z`` -> ``2017-05-31T21:30:19.700000Z``; ValueError if it is no STIX timestamp."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z): {value!r}")
    day, clock, fraction = match.groups()
    datetime.strptime(f"{day}T{clock}", "%Y-%m-%dT%H:%M:%S")  # rejects 2020-13-45
    return f"{day}T{clock}.{(fraction or '')[:6]:0<6}Z"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset) as an aware UTC datetime; ValueError if it is none."""
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)


def now() -> str:
    return format_time(datetime.now(UTC))


def after(stamp: str) -> str:
    """The normalised timestamp one microsecond after ``stamp``."""
    return format_time(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) + timedelta(microseconds=1))
