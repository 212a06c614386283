"""A fresh incident store on each database kind, and stored alerts to group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cybershield.detect.alerts import Alert, EventRef
from cybershield.response import IncidentStore
from cybershield.storage import store_alerts

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url) -> IncidentStore:
    return IncidentStore.open(db_url)


def make_alert(minutes: float, context: dict, techniques=("T1059.001",), level="high", title="rule") -> Alert:
    stamp = T0 + timedelta(minutes=minutes)
    return Alert("sigma", f"rule-{title}", title, level, [EventRef("host.evtx", int(minutes * 10), stamp)],
                 list(techniques), context, created=stamp)


@pytest.fixture
def alerts(store) -> list[Alert]:
    """Two hosts: three alerts on ws-1 (a slow chain), one on ws-2 two days later, one unrelated."""
    made = [
        make_alert(0, {"matched": {"host.name": "WS-1", "user.name": "alice"}}, title="phish"),
        make_alert(90, {"matched": {"host.name": "ws-1"}}, ("T1105",), title="download"),
        make_alert(170, {"group": {"user.name": "alice"}}, ("T1071.001",), "critical", title="beacon"),
        make_alert(3000, {"matched": {"host.name": "ws-2"}}, title="late"),
        make_alert(10, {"indicator": {"id": "indicator--1"}}, ("T1071",), "medium", title="ioc"),
    ]
    store_alerts(store.sessions, made)
    return made
