"""The threat-intelligence store: every version of every STIX 2.1 object, indexed for TAXII and detection.

Objects arrive in bundles (or TAXII envelopes); each is validated with stix2-validator and either
stored (a new id), updated (a newer ``modified`` of a known id), unchanged (a version already held)
or rejected with the validator's reasons, while the rest of the batch lands. All versions are kept;
the newest ``modified`` is the one readers get, and a revoked newest version retires the object.
Reads page by keyset (``date_added``, ``seq``), never by OFFSET, so every page costs O(log n).

``date_added`` follows commit order: every write first locks the one row of ``intel_clock`` (a row lock
on PostgreSQL, the database's write lock on SQLite), stamps its objects after the last stamp handed out,
and commits before the next writer may stamp. So a consumer that pages with ``added_after`` set to the
last ``date_added`` it saw can never be overtaken by a commit that carries an earlier one, whatever the
number of writer threads and processes.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import orjson
from sqlalchemy import Engine, and_, bindparam, delete, false, func, insert, or_, select, true, tuple_, update

from ..storage import IntelClock, StixObjectRecord, make_engine, migrate
from . import stixtime
from .collection import DEFAULT_COLLECTION
from .tlp import LEVEL_OF_MARKING, definition_level, marking_refs, most_restrictive, tlp_of
from .validation import Verdict, validate_many

T = StixObjectRecord.__table__
CLOCK = IntelClock.__table__
#: The largest ``seq`` a cursor may name (a BIGINT).
_MAX_SEQ = 2**63 - 1
_CHUNK = 500
_ROW = (T.c.seq, T.c.collection, T.c.stix_id, T.c.type, T.c.version, T.c.spec_version, T.c.date_added,
        T.c.tlp, T.c.origin, T.c.refs, T.c.document)
_NOT_REFERENCES = frozenset({"object_marking_refs", "marking_ref"})
_LOCK_CLOCK = update(CLOCK).where(CLOCK.c.id == 1).values(last_added=CLOCK.c.last_added)
_READ_CLOCK = select(CLOCK.c.last_added).where(CLOCK.c.id == 1)
_MARKINGS = select(T.c.stix_id, T.c.tlp, T.c.origin, T.c.refs).where(
    T.c.stix_id.in_(bindparam("ids", expanding=True)), T.c.latest == true())


@dataclass(frozen=True)
class ObjectStatus:
    """What happened to one input object: ``stored``, ``updated``, ``unchanged`` or ``rejected`` (with reasons)."""

    index: int
    id: str | None
    version: str | None
    status: str
    reasons: tuple[str, ...] = ()


@dataclass
class AddResult:
    """The per-object outcome of one :meth:`IntelStore.add`."""

    statuses: list[ObjectStatus] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(s.status for s in self.statuses)

    @property
    def rejected(self) -> list[ObjectStatus]:
        return [s for s in self.statuses if s.status == "rejected"]


@dataclass(frozen=True)
class StoredObject:
    """One stored version: its keys, TLP level (``None`` = unmarked), origin peer, references and JSON text."""

    seq: int
    collection: str
    id: str
    type: str
    version: str
    spec_version: str
    date_added: str
    tlp: str | None
    origin: str | None
    refs: tuple[str, ...]
    document: str

    def as_dict(self) -> dict:
        return orjson.loads(self.document)

    @classmethod
    def from_dict(cls, obj: dict, origin: str | None = None) -> StoredObject:
        """An object that is not (yet) stored, in the form the sharing gate reads."""
        row = _row(obj, "", origin)
        return cls(0, "", row["stix_id"], row["type"], row["version"] or "", row["spec_version"], "", row["tlp"],
                   origin, tuple(row["refs"].split()), row["document"])


@dataclass(frozen=True)
class Page:
    """One page of a query: the objects, whether more follow, and the cursor to the next page."""

    objects: list[StoredObject]
    more: bool
    next: str | None


def encode_cursor(date_added: str, seq: int) -> str:
    """A paging cursor that never expires: it is the keyset position itself."""
    return base64.urlsafe_b64encode(f"{date_added}|{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """The keyset position of ``cursor``; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        date_added, seq = raw.split("|")
        position = stixtime.normalise(date_added), int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"invalid paging cursor {cursor!r}") from exc
    if not 0 <= position[1] <= _MAX_SEQ:
        raise ValueError(f"invalid paging cursor {cursor!r}")
    return position


def references(obj: object) -> set[str]:
    """Every object id ``obj`` points to (``*_ref``/``*_refs`` at any depth), marking references excepted."""
    found: set[str] = set()
    _collect_references(obj, "", found)
    return found


def _collect_references(obj: object, key: str, found: set[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in _NOT_REFERENCES:
                continue
            if isinstance(v, str):  # the common case, without a call
                if "--" in v and (k.endswith("_ref") or k.endswith("_refs")):
                    found.add(v)
            elif isinstance(v, (dict, list)):
                _collect_references(v, k, found)
    elif isinstance(obj, list):
        for v in obj:
            _collect_references(v, key, found)
    elif isinstance(obj, str) and "--" in obj and (key.endswith("_ref") or key.endswith("_refs")):
        found.add(obj)


def _stored(row) -> StoredObject:
    return StoredObject(row.seq, row.collection, row.stix_id, row.type, row.version, row.spec_version, row.date_added,
                        row.tlp, row.origin, tuple(row.refs.split()) if row.refs else (), row.document)


class _Clock:
    """``date_added`` stamps for one write transaction, handed out while it holds the clock row: up to
    ``count`` of them, one microsecond apart, after every stamp handed out before (by any process)."""

    def __init__(self, conn, count: int = 0):
        conn.execute(_LOCK_CLOCK)
        self.conn = conn
        self.start = self.last = conn.scalar(_READ_CLOCK) or ""
        self._stamps = iter(stixtime.stamps_after(self.last, count))

    def stamp(self) -> str:
        self.last = next(self._stamps)
        return self.last

    def save(self) -> None:
        if self.last != self.start:
            self.conn.execute(update(CLOCK).where(CLOCK.c.id == 1).values(last_added=self.last))


class IntelStore:
    """STIX 2.1 objects in SQLite or PostgreSQL (the database at a SQLAlchemy URL, migrated on open)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> IntelStore:
        engine = make_engine(url)  # creates the SQLite file's folder
        migrate(url)
        return cls(engine)

    # -- writing -------------------------------------------------------------------------------

    def add(self, objects: Iterable[object], *, collection: str = DEFAULT_COLLECTION, origin: str | None = None,
            on_progress: Callable[[int], None] | None = None) -> AddResult:
        """Validate and store ``objects`` (dicts) into ``collection``; ``origin`` names the peer they came from."""
        result = AddResult()
        for batch in _chunks(enumerate(objects), 2000):
            result.statuses += self._add_batch(batch, collection, origin)
            if on_progress:
                on_progress(len(batch))
        return result

    def _add_batch(self, batch: list[tuple[int, object]], collection: str, origin: str | None) -> list[ObjectStatus]:
        """Validate and build the rows before the write transaction, so that the clock row is held only
        for the lookups of held versions, the insert and the flag updates."""
        statuses: dict[int, ObjectStatus] = {}
        rows: list[tuple[int, dict, dict]] = []
        for (index, obj), verdict in zip(batch, validate_many([obj for _, obj in batch]), strict=True):
            oid = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
            if verdict.valid and obj.get("type") == "bundle":
                verdict = Verdict(False, ["a bundle is a container, not an object: send the objects it holds"])
            if not verdict.valid:
                statuses[index] = ObjectStatus(index, oid, None, "rejected", tuple(verdict.errors))
                continue
            try:
                rows.append((index, obj, _row(obj, collection, origin)))
            except (ValueError, TypeError) as exc:
                statuses[index] = ObjectStatus(index, oid, None, "rejected", (str(exc),))
        if rows:
            with self.engine.begin() as conn:
                clock = _Clock(conn, len(rows))
                definitions = self._marking_levels(conn, [obj for _, obj, _ in rows])
                if definitions:  # the TLP level of markings that are not the official TLP ones
                    for _, obj, row in rows:
                        row["tlp"] = tlp_of(obj, definitions)
                self._store_new(conn, collection, [(index, row) for index, _, row in rows], clock, statuses)
                clock.save()
        return [statuses[index] for index, _ in batch]

    def _store_new(self, conn, collection: str, rows: list[tuple[int, dict]], clock: _Clock,
                   statuses: dict[int, ObjectStatus]) -> None:
        """Insert the versions not held yet (stamped by ``clock``) and move the ``latest``/``first`` flags."""
        held = self._held_versions(conn, collection, {row["stix_id"] for _, row in rows})
        new_rows: list[dict] = []
        retire: dict[str, set[int]] = {"latest": set(), "first": set()}
        for index, row in rows:
            versions = held.setdefault(row["stix_id"], {})
            if row["version"] is None:  # an object without timestamps (an SCO): its content is its version
                same = [v for v, (_, doc) in versions.items() if doc == row["document"]]
                if same:
                    statuses[index] = ObjectStatus(index, row["stix_id"], same[0], "unchanged")
                    continue
                row["version"] = row["date_added"] = clock.stamp()
            elif row["version"] in versions:
                statuses[index] = ObjectStatus(index, row["stix_id"], row["version"], "unchanged")
                continue
            else:
                row["date_added"] = clock.stamp()
            newest = max(versions, default="")
            oldest = min(versions, default="\uffff")
            row["latest"], row["first"] = row["version"] > newest, row["version"] < oldest
            for flag, other in (("latest", newest), ("first", oldest)):
                if row[flag] and other in versions:
                    held_seq, _ = versions[other]
                    if isinstance(held_seq, int):
                        retire[flag].add(held_seq)
                    else:
                        held_seq[flag] = False
            versions[row["version"]] = (row, row["document"])
            new_rows.append(row)
            statuses[index] = ObjectStatus(index, row["stix_id"], row["version"],
                                           "updated" if len(versions) > 1 else "stored")
        if new_rows:
            conn.execute(insert(T), new_rows)
        for flag, seqs in retire.items():
            for chunk in _chunks(sorted(seqs)):
                conn.execute(update(T).where(T.c.seq.in_(chunk)).values({flag: False}))

    def _marking_levels(self, conn, objects: list[dict]) -> dict[str, str]:
        """The TLP level of each marking definition ``objects`` reference by an id that is not one of the
        official TLP ids: read from the definition (TLP 2.0 extension, STIX ``tlp`` definition) in the batch
        or held here; the strictest when several are known. An id missing from the result (no definition,
        or one without a TLP level, such as a statement) is a marking the hub cannot read."""
        wanted = {ref for obj in objects for ref in marking_refs(obj) if ref not in LEVEL_OF_MARKING}
        if not wanted:
            return {}
        found: dict[str, list[str | None]] = {}
        for obj in objects:
            if obj.get("type") == "marking-definition" and obj.get("id") in wanted:
                found.setdefault(obj["id"], []).append(definition_level(obj))
        for chunk in _chunks(sorted(wanted)):
            query = select(T.c.stix_id, T.c.document).where(T.c.type == "marking-definition", T.c.stix_id.in_(chunk))
            for stix_id, document in conn.execute(query):
                found.setdefault(stix_id, []).append(definition_level(orjson.loads(document)))
        return {mid: most_restrictive(levels) for mid, levels in found.items() if all(levels)}

    def _held_versions(self, conn, collection: str, ids: set[str]) -> dict[str, dict]:
        held: dict[str, dict] = {}
        for chunk in _chunks(sorted(ids)):
            query = select(T.c.seq, T.c.stix_id, T.c.version, T.c.latest, T.c.document).where(
                T.c.collection == collection, T.c.stix_id.in_(chunk))
            for row in conn.execute(query):
                held.setdefault(row.stix_id, {})[row.version] = (row.seq, row.document if row.latest else None)
        return held

    def delete(self, collection: str, stix_id: str, versions: Sequence[str] = ("all",),
               spec_versions: Sequence[str] = ()) -> int:
        """Delete versions of an object from a collection; returns how many went. Flags are recomputed."""
        with self.engine.begin() as conn:
            _Clock(conn)  # flags are recomputed while no writer adds versions
            stamps = [stixtime.normalise(v) for v in versions if v not in _VERSION_WORDS]
            where = [T.c.collection == collection, T.c.stix_id == stix_id,
                     _version_filter(frozenset(versions) & _VERSION_WORDS, bool(stamps))]
            if spec_versions:
                where.append(T.c.spec_version.in_(list(spec_versions)))
            gone = conn.execute(delete(T).where(*where), {"stamps": stamps}).rowcount
            base = and_(T.c.collection == collection, T.c.stix_id == stix_id)
            newest, oldest = conn.execute(select(func.max(T.c.version), func.min(T.c.version)).where(base)).one()
            conn.execute(update(T).where(base).values(latest=T.c.version == newest, first=T.c.version == oldest))
        return gone

    # -- reading -------------------------------------------------------------------------------

    def page(self, collection: str, *, added_after: str | None = None, cursor: str | None = None,
             ids: Sequence[str] = (), types: Sequence[str] = (), versions: Sequence[str] = ("last",),
             spec_versions: Sequence[str] = (), limit: int = 1000) -> Page:
        """One page of a collection in ``date_added`` order, filtered as TAXII's ``match[...]`` parameters.

        ``versions`` holds ``last``, ``first``, ``all`` or normalised timestamps; ``cursor`` is the ``next``
        of the previous page. Raises ValueError on a malformed cursor or timestamp.
        """
        params: dict = {"collection": collection, "limit": limit + 1, "ids": list(ids), "types": list(types),
                         "spec_versions": list(spec_versions),
                         "stamps": [stixtime.normalise(v) for v in versions if v not in _VERSION_WORDS]}
        if added_after:
            params["added_after"] = stixtime.normalise(added_after)
        if cursor:
            params["cursor_added"], params["cursor_seq"] = decode_cursor(cursor)
        query = _page_query(frozenset(versions) & _VERSION_WORDS, bool(params["stamps"]), bool(added_after),
                            bool(cursor), bool(ids), bool(types), bool(spec_versions))
        with self.engine.connect() as conn:
            found = [_stored(row) for row in conn.execute(query, params)]
        if ids:  # unordered in SQL (see _page_query)
            found.sort(key=lambda o: (o.date_added, o.seq))
        more = len(found) > limit
        found = found[:limit]
        return Page(found, more, encode_cursor(found[-1].date_added, found[-1].seq) if more else None)

    def get(self, stix_id: str, collection: str | None = None) -> dict | None:
        """The newest version of an object (in ``collection``, or in any), or ``None``."""
        query = select(T.c.document).where(T.c.stix_id == stix_id, T.c.latest == true())
        if collection is not None:
            query = query.where(T.c.collection == collection)
        with self.engine.connect() as conn:
            document = conn.scalar(query.order_by(T.c.version.desc()).limit(1))
        return orjson.loads(document) if document is not None else None

    def latest(self, types: Sequence[str] = (), batch: int = 2000) -> Iterator[StoredObject]:
        """The newest version of every object (one per id across collections), in keyset batches."""
        position: tuple[str, int] = ("", 0)
        done: set[str] = set()
        while True:
            where = [T.c.latest == true(), tuple_(T.c.date_added, T.c.seq) > tuple_(*position)]
            if types:
                where.append(T.c.type.in_(list(types)))
            query = select(*_ROW).where(*where).order_by(T.c.date_added, T.c.seq).limit(batch)
            with self.engine.connect() as conn:
                rows = [_stored(row) for row in conn.execute(query)]
                newest = dict(conn.execute(
                    select(T.c.stix_id, func.max(T.c.version)).where(
                        T.c.stix_id.in_({r.id for r in rows}), T.c.latest == true()).group_by(T.c.stix_id)).all())
            if not rows:
                return
            for row in rows:
                if row.id not in done and newest.get(row.id) == row.version:
                    done.add(row.id)
                    yield row
            position = (rows[-1].date_added, rows[-1].seq)

    def active_indicators(self, now: str | None = None) -> list[dict]:
        """Indicators for detection: the newest version of each, not revoked, not past ``valid_until``."""
        moment = now or stixtime.now()
        query = select(T.c.stix_id, T.c.version, T.c.revoked, T.c.valid_until, T.c.document).where(
            T.c.type == "indicator", T.c.latest == true())
        newest: dict[str, tuple] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                if row.version > newest.get(row.stix_id, ("",))[0]:
                    newest[row.stix_id] = (row.version, row.revoked, row.valid_until, row.document)
        return [orjson.loads(document) for _, revoked, until, document in newest.values()
                if not revoked and (until is None or until > moment)]

    def relationships(self, stix_id: str) -> list[dict]:
        """The newest, unrevoked relationships from or to ``stix_id``."""
        return self._edges("relationship", or_(T.c.source_ref == stix_id, T.c.target_ref == stix_id))

    def sightings(self, stix_id: str) -> list[dict]:
        """The newest, unrevoked sightings of ``stix_id``."""
        return self._edges("sighting", T.c.target_ref == stix_id)

    def _edges(self, kind: str, condition) -> list[dict]:
        query = select(T.c.document).where(condition, T.c.type == kind, T.c.latest == true(), T.c.revoked == false())
        with self.engine.connect() as conn:
            return [orjson.loads(document) for document in conn.scalars(query)]

    def markings(self, ids: Iterable[str]) -> dict[str, list[tuple[str | None, str | None, tuple[str, ...]]]]:
        """For each id held, the (TLP level, origin, references) of its newest version in each collection."""
        found: dict[str, list[tuple[str | None, str | None, tuple[str, ...]]]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(ids))):
                for row in conn.execute(_MARKINGS, {"ids": chunk}):
                    found.setdefault(row.stix_id, []).append((row.tlp, row.origin, tuple(row.refs.split())))
        return found

    def count(self, collection: str | None = None) -> int:
        """How many object versions are held (in ``collection``, or in all)."""
        query = select(func.count()).select_from(T)
        if collection is not None:
            query = query.where(T.c.collection == collection)
        with self.engine.connect() as conn:
            return conn.scalar(query)


def _row(obj: dict, collection: str, origin: str | None) -> dict:
    """The columns of ``obj``'s row, but ``date_added`` and the flags; its TLP level as far as official markings say."""
    stamp = obj.get("modified") or obj.get("created")
    kind = obj["type"]
    source, target = (obj.get("source_ref"), obj.get("target_ref")) if kind == "relationship" else (
        (None, obj.get("sighting_of_ref")) if kind == "sighting" else (None, None))
    return {
        "collection": collection, "stix_id": obj["id"], "type": kind,
        "version": stixtime.normalise(stamp) if stamp else None, "spec_version": str(obj.get("spec_version", "2.1")),
        "revoked": obj.get("revoked") is True, "tlp": tlp_of(obj), "origin": origin,
        "valid_until": stixtime.normalise(obj["valid_until"]) if obj.get("valid_until") else None,
        "source_ref": source, "target_ref": target, "refs": " ".join(sorted(references(obj))),
        "document": orjson.dumps(obj).decode(),
    }


_VERSION_WORDS = frozenset({"last", "first", "all"})


def _version_filter(words: frozenset[str], stamps: bool):
    """TAXII ``match[version]``: ``last``, ``first``, ``all`` and/or timestamps (the ``stamps`` parameter)."""
    if "all" in words:
        return true()
    terms = [flag == true() for word, flag in (("last", T.c.latest), ("first", T.c.first)) if word in words]
    if stamps:
        terms.append(T.c.version.in_(bindparam("stamps", expanding=True)))
    return or_(*terms) if terms else T.c.latest == true()


@functools.lru_cache(maxsize=256)
def _page_query(words: frozenset[str], stamps: bool, added_after: bool, cursor: bool, ids: bool, types: bool,
                spec_versions: bool):
    """The statement of :meth:`IntelStore.page` for one combination of filters, built once: its values are
    parameters, so that a read pays neither for building the statement nor for its cache key."""
    where = [T.c.collection == bindparam("collection"), _version_filter(words, stamps)]
    if added_after:
        where.append(T.c.date_added > bindparam("added_after"))
    if cursor:
        where.append(tuple_(T.c.date_added, T.c.seq) > tuple_(bindparam("cursor_added"), bindparam("cursor_seq")))
    for wanted, column, name in ((ids, T.c.stix_id, "ids"), (types, T.c.type, "types"),
                                 (spec_versions, T.c.spec_version, "spec_versions")):
        if wanted:
            where.append(column.in_(bindparam(name, expanding=True)))
    query = select(*_ROW).where(*where)
    if not ids:  # a handful of rows found through the id index; sorting them in SQL would scan by date instead
        query = query.order_by(T.c.date_added, T.c.seq).limit(bindparam("limit"))
    return query


def _chunks(items: Iterable, size: int = _CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
