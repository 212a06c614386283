"""The hash-chained audit trail: an intact trail verifies; a changed, removed or reordered entry is found and named."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from cybershield.response import Changes
from cybershield.response.audit import GENESIS, Link, canonical, chain_hash, make_entry, verify
from cybershield.storage.models import AuditEntryRecord, AuditHeadRecord


def _trail(store, changes: int = 4) -> str:
    incident = store.open_incident("phishing", datetime(2026, 5, 4, tzinfo=UTC), "important")
    for i in range(changes):
        store.update(incident["id"], Changes(additions={"notes": [f"note {i}"]}))
    return incident["id"]


def _rows(store) -> list[AuditEntryRecord]:
    with store.sessions() as session:
        return session.scalars(select(AuditEntryRecord).order_by(AuditEntryRecord.seq)).all()


def test_intact_trail_verifies_and_is_linked(store):
    _trail(store)
    count, findings = store.verify()
    assert count == 5 and findings == []
    rows = _rows(store)
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))


def test_a_changed_entry_is_found(store):
    _trail(store)
    target = _rows(store)[2]
    with store.sessions.begin() as session:
        session.execute(update(AuditEntryRecord).where(AuditEntryRecord.seq == target.seq)
                        .values(entry=target.entry.replace("note 1", "note X")))
    _, findings = store.verify()
    assert [(f.seq, f.problem) for f in findings] == [(target.seq, "changed")]


def test_a_changed_and_rehashed_entry_is_found_at_its_successor(store):
    _trail(store)
    rows = _rows(store)
    forged = rows[2].entry.replace("note 1", "note X")
    with store.sessions.begin() as session:
        session.execute(update(AuditEntryRecord).where(AuditEntryRecord.seq == rows[2].seq)
                        .values(entry=forged, hash=chain_hash(rows[2].prev_hash, forged)))
    _, findings = store.verify()
    assert [(f.seq, f.problem) for f in findings] == [(rows[3].seq, "changed")]


def test_a_removed_entry_is_found(store):
    _trail(store)
    rows = _rows(store)
    with store.sessions.begin() as session:
        session.execute(delete(AuditEntryRecord).where(AuditEntryRecord.seq == rows[1].seq))
    _, findings = store.verify()
    assert [(f.seq, f.problem) for f in findings] == [(rows[2].seq, "removed")]
    assert "chain entry 2" in findings[0].detail


def test_removing_the_newest_entries_is_found_by_the_head(store):
    _trail(store)
    rows = _rows(store)
    with store.sessions.begin() as session:
        session.execute(delete(AuditEntryRecord).where(AuditEntryRecord.seq >= rows[3].seq))
    _, findings = store.verify()
    assert [f.problem for f in findings] == ["removed"] and "newest" in findings[0].detail


def test_reordered_entries_are_found(store):
    _trail(store)
    rows = _rows(store)
    a, b = rows[1], rows[3]
    with store.sessions.begin() as session:  # swap what two rows hold, keeping their positions
        for row, other in ((a, b), (b, a)):
            session.execute(update(AuditEntryRecord).where(AuditEntryRecord.seq == row.seq)
                            .values(entry=other.entry, prev_hash=other.prev_hash, hash=other.hash))
    _, findings = store.verify()
    assert findings and {f.problem for f in findings} == {"reordered"}
    assert {f.seq for f in findings} <= set(range(a.seq, b.seq + 1))


def test_verify_pure_cases():
    links, prev = [], GENESIS
    for n in range(1, 4):
        text = canonical(make_entry(n, datetime(2026, 1, 1, tzinfo=UTC), "a", "x", None, {"n": n}))
        links.append(Link(n, text, prev, chain_hash(prev, text)))
        prev = links[-1].hash
    assert verify(links, 3, prev) == []
    assert [(f.seq, f.problem) for f in verify([links[0], links[2], links[1]], 3, prev)] == [(2, "reordered")]
    assert [(f.seq, f.problem) for f in verify([links[1], links[0], links[2]], 3, prev)] == [(1, "reordered")]
    assert [(f.seq, f.problem) for f in verify([links[0], links[2]], 3, prev)] == [(3, "removed")]
    broken = Link(2, "{not json", links[1].prev_hash, chain_hash(links[1].prev_hash, "{not json"))
    assert verify([links[0], broken, links[2]], 3, prev)[0].problem == "changed"


def test_head_is_kept(store):
    _trail(store, changes=2)
    with store.sessions() as session:
        head = session.get(AuditHeadRecord, 1)
    assert head.count == 3 and head.hash == _rows(store)[-1].hash
