"""The append-only, hash-chained audit trail.

Each entry is hashed as SHA-256 over the previous entry's hash followed by the entry's canonical JSON
(sorted keys, no whitespace, UTF-8); the first entry's previous hash is 64 zeros. The trail's head (the
newest hash and the count) is kept beside it. :func:`verify` walks the trail and names the first
entry that was changed (its content no longer gives its hash), removed (an entry points to a
predecessor that is not there, or the head counts more entries than remain) or reordered (an entry
points to a predecessor that is elsewhere in the trail).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson

GENESIS = "0" * 64


def canonical(entry: dict) -> str:
    """The canonical JSON text of an entry (the text that is hashed and stored)."""
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS).decode()


def chain_hash(prev_hash: str, entry_text: str) -> str:
    return hashlib.sha256((prev_hash + entry_text).encode()).hexdigest()


def make_entry(number: int, at: datetime, actor: str, action: str, incident_id: str | None, data: dict) -> dict:
    """An entry; ``number`` is its position in the chain (1, 2, …), hashed with it so that gaps and moves show."""
    return {"n": number, "at": at.isoformat(), "actor": actor, "action": action, "incident": incident_id, "data": data}


@dataclass(frozen=True)
class Link:
    """One stored entry as the verifier sees it."""

    seq: int
    entry: str
    prev_hash: str
    hash: str

    @property
    def number(self) -> int | None:
        try:
            number = orjson.loads(self.entry).get("n")
        except (orjson.JSONDecodeError, AttributeError):
            return None
        return number if isinstance(number, int) else None


@dataclass(frozen=True)
class Finding:
    seq: int | None
    problem: str  # "changed", "removed", "reordered"
    detail: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "problem": self.problem, "detail": self.detail}


def verify(links: list[Link], head_count: int | None, head_hash: str | None) -> list[Finding]:
    """Every problem of a trail given in stored order (by ``seq``); empty when the trail is intact."""
    findings: list[Finding] = []
    sound = {link.seq for link in links if link.number is not None and chain_hash(link.prev_hash, link.entry) == link.hash}
    by_number = {link.number: link for link in links if link.seq in sound}
    present = {link.number for link in links if link.number is not None}
    highest = 0
    for link in links:
        if link.seq not in sound:
            findings.append(Finding(link.seq, "changed", f"entry {link.seq}: its content no longer gives its hash"))
            highest = max(highest, link.number or highest)
            continue
        number = link.number
        if number <= highest:
            findings.append(Finding(link.seq, "reordered", f"entry {link.seq} is chain entry {number} but is stored "
                                    f"after chain entry {highest}"))
        elif number > highest + 1:
            gone = [n for n in range(highest + 1, number) if n not in present]
            if gone:
                span = str(gone[0]) if len(gone) == 1 else f"{gone[0]}-{gone[-1]}"
                findings.append(Finding(link.seq, "removed", f"chain entry {span} before entry {link.seq} is missing"))
        before = GENESIS if number == 1 else by_number.get(number - 1)
        expected = before if isinstance(before, str) else before.hash if before else None
        if expected is not None and link.prev_hash != expected:
            findings.append(Finding(link.seq, "changed", f"the entry before entry {link.seq} was changed "
                                    "(and re-hashed): it is not the one this entry follows"))
        highest = max(highest, number)
    last = links[-1].seq if links else None
    if head_count is not None and head_count > highest:
        findings.append(Finding(last, "removed", f"the head counts {head_count} entries, the trail ends at "
                                f"{highest}: the newest entries are gone"))
    elif head_hash is not None and highest and by_number.get(highest) and head_hash != by_number[highest].hash \
            and not findings:
        findings.append(Finding(last, "changed", "the newest entry is not the one the head names"))
    return findings
