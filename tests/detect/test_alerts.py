"""Alerts: documents, deduplication keys and storage on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from cybershield.detect import Alert, EventRef
from cybershield.storage import AlertRecord, open_database, store_alerts


def _alert(record_id: int = 5) -> Alert:
    stamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return Alert("sigma", "rule-1", "Suspicious thing", "high", [EventRef("a.evtx", record_id, stamp)],
                 techniques=["T1059.001"])


def test_document_has_rule_and_provenance():
    doc = _alert().to_document()
    assert doc["rule"] == {"id": "rule-1", "title": "Suspicious thing", "level": "high"}
    assert doc["event"]["provenance"] == {"source": "a.evtx", "record_id": 5}
    assert doc["event"]["severity"] == 73
    assert doc["@timestamp"].startswith("2026-01-02T03:04:05")


def test_dedup_key_depends_on_rule_and_events_only():
    assert _alert().dedup_key == _alert().dedup_key
    assert _alert(5).dedup_key != _alert(6).dedup_key


def test_store_alerts_skips_duplicates(db_url):
    sessions = open_database(db_url)
    assert store_alerts(sessions, [_alert(1), _alert(2), _alert(1)]) == 2
    assert store_alerts(sessions, [_alert(2), _alert(3)]) == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRecord)) == 3
