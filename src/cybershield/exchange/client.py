"""Pulling from and pushing to peer hubs with taxii2-client: incremental, retried, never blocking the hub.

Each pull asks a peer's collection for what was added after the bookmark of the last pull (the
``X-TAXII-Date-Added-Last`` it answered), stores it with the peer as origin, and moves the bookmark
only once a page is stored. Each push sends this hub's own objects added since the last push, through
the sharing gate for that peer. Every request has a timeout; failures are retried with exponential
backoff and then reported, and peers are served in parallel, so one that is down or hangs costs at
most its own time budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
import requests.adapters
import requests.auth
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection

from ..config import secret_from_env
from ..intel import DEFAULT_COLLECTION, IntelStore, SharingPolicy, StoredObject, stixtime
from ..storage import read_bookmark, write_bookmark

log = logging.getLogger(__name__)

PAGE = 1000
PUSH_BATCH = 500
FAILURES = (requests.RequestException, TAXIIServiceException, ValueError)


@dataclass(frozen=True)
class PeerLink:
    """How this hub reaches a peer's TAXII server: the collection URLs to pull and push, and the login."""

    name: str
    pull: tuple[str, ...] = ()
    push: str | None = None
    username: str | None = None
    password: str | None = None
    into: str = DEFAULT_COLLECTION

    @classmethod
    def from_config(cls, name: str, spec: dict) -> PeerLink:
        """From ``peers.<name>``: ``pull`` (collection URLs), ``push`` (a collection URL), ``username``,
        ``password`` or ``password_env`` (the variable that holds it), ``into`` (the local collection)."""
        password = spec.get("password") or secret_from_env(spec.get("password_env", ""))
        pull = spec.get("pull") or ()
        return cls(name, tuple([pull] if isinstance(pull, str) else pull), spec.get("push"), spec.get("username"),
                   password, spec.get("into", DEFAULT_COLLECTION))


@dataclass
class Transfer:
    """What one pull or push did: objects moved, the store's per-status counts, or the error after retries."""

    peer: str
    direction: str
    collection: str
    objects: int = 0
    counts: dict = field(default_factory=dict)
    withheld: int = 0
    error: str | None = None


class _PeerAuth(requests.auth.AuthBase):
    """HTTP Basic for a peer (none without a username), and the headers of its last answer: taxii2-client's
    calls return only the JSON, and the pull needs ``X-TAXII-Date-Added-Last``. Given to taxii2-client's
    public ``auth`` parameter; requests runs it on every request."""

    def __init__(self, username: str | None, password: str | None):
        self.basic = requests.auth.HTTPBasicAuth(username, password or "") if username else None
        self.last_headers: dict = {}

    def __call__(self, request):
        request.register_hook("response", self._remember)
        return self.basic(request) if self.basic else request

    def _remember(self, response, *_args, **_kwargs):
        self.last_headers = response.headers


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """Every request through it gets ``timeout`` unless it names one: taxii2-client has no timeout option."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def send(self, request, timeout=None, **kwargs):
        return super().send(request, timeout=timeout or self.timeout, **kwargs)


class Exchange:
    """Pulls and pushes for one hub (its store and sharing policy)."""

    def __init__(self, store: IntelStore, policy: SharingPolicy, *, timeout: float = 10.0, retries: int = 3,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep):
        self.store, self.policy = store, policy
        self.timeout, self.retries, self.backoff, self.sleep = timeout, retries, backoff, sleep

    def _collection(self, url: str, link: PeerLink) -> tuple[Collection, _PeerAuth]:
        """taxii2-client's Collection through its public constructor, with the timeout on its session's adapters
        (the one place that reaches into it: taxii2-client offers no timeout, oasis-open/cti-taxii-client#49)."""
        auth = _PeerAuth(link.username, link.password)
        collection = Collection(url, auth=auth)
        for prefix in ("http://", "https://"):
            collection._conn.session.mount(prefix, _TimeoutAdapter(self.timeout))
        return collection, auth

    def _retrying(self, action: Callable[[], object]):
        for attempt in range(self.retries):
            try:
                return action()
            except FAILURES as exc:
                if attempt == self.retries - 1:
                    raise
                log.info("retrying after %s: %s", type(exc).__name__, exc)
                self.sleep(self.backoff * 2 ** attempt)
        return None

    def pull(self, link: PeerLink, url: str) -> Transfer:
        """Fetch what ``url`` (a peer's collection) added since the last pull, into the store."""
        transfer = Transfer(link.name, "pull", url)
        key = f"pull {url}"
        try:
            collection, auth = self._collection(url, link)
            query = {"limit": PAGE}
            added_after = self._bookmark(link.name, key)
            if added_after:
                query["added_after"] = added_after
            while True:
                envelope = self._retrying(lambda query=query: collection.get_objects(**query))
                objects = envelope.get("objects", [])
                result = self.store.add(objects, collection=link.into, origin=link.name)
                transfer.objects += len(objects)
                for status, n in result.counts.items():
                    transfer.counts[status] = transfer.counts.get(status, 0) + n
                last = auth.last_headers.get("X-TAXII-Date-Added-Last")
                if last:
                    self._set_bookmark(link.name, key, last)
                if not envelope.get("more") or not envelope.get("next"):
                    break
                query["next"] = envelope["next"]
        except FAILURES as exc:
            transfer.error = f"{type(exc).__name__}: {exc}"[:500]
        return transfer

    def push(self, link: PeerLink) -> Transfer:
        """Send this hub's own objects added since the last push to the peer's ``push`` collection, gated."""
        transfer = Transfer(link.name, "push", link.push or "")
        if not link.push:
            transfer.error = "no push collection configured"
            return transfer
        key = f"push {link.push}"
        try:
            recipient = self.policy.recipient(link.name)
            collection, _ = self._collection(link.push, link)
            mark = self._bookmark(link.name, key)
            for batch, last_added in self._own_objects(mark):
                gated = self.policy.gate(self.store, batch, recipient)
                transfer.withheld += len(gated.withheld)
                if gated.allowed:
                    body = '{"objects":[' + ",".join(o.document for o in gated.allowed) + "]}"
                    status = self._retrying(lambda body=body: collection.add_objects(body))
                    transfer.objects += len(gated.allowed)
                    for outcome, n in (("success", status.success_count), ("failure", status.failure_count)):
                        transfer.counts[outcome] = transfer.counts.get(outcome, 0) + n
                self._set_bookmark(link.name, key, last_added)
        except (*FAILURES, KeyError) as exc:
            transfer.error = f"{type(exc).__name__}: {exc}"[:500]
        return transfer

    def _own_objects(self, after: str | None) -> Iterator[tuple[list[StoredObject], str]]:
        """This hub's own newest versions added after ``after``, in batches, with each batch's last ``date_added``."""
        cursor = None
        while True:
            page = self.store.page(DEFAULT_COLLECTION, added_after=after, cursor=cursor, limit=PUSH_BATCH)
            if page.objects:
                yield [o for o in page.objects if o.origin in (None, self.policy.hub)], page.objects[-1].date_added
            if not page.more:
                return
            cursor = page.next

    def sync(self, links: list[PeerLink]) -> list[Transfer]:
        """Pull every configured collection of every peer and push to each, peers in parallel."""
        def one(link: PeerLink) -> list[Transfer]:
            done = [self.pull(link, url) for url in link.pull]
            return done + ([self.push(link)] if link.push else [])
        if not links:
            return []
        with ThreadPoolExecutor(max_workers=min(8, len(links))) as pool:
            transfers = [t for transfers in pool.map(one, links) for t in transfers]
        for t in transfers:
            if t.error:
                log.warning("%s %s %s failed: %s", t.direction, t.peer, t.collection, t.error)
            else:
                log.info("%s %s %s: %d objects %s, %d withheld", t.direction, t.peer, t.collection, t.objects,
                         t.counts, t.withheld)
        return transfers

    def _bookmark(self, peer: str, key: str) -> str | None:
        return read_bookmark(self.store.engine, peer, key)

    def _set_bookmark(self, peer: str, key: str, added_after: str) -> None:
        write_bookmark(self.store.engine, peer, key, added_after, stixtime.now())


def peer_links(config: dict) -> list[PeerLink]:
    """The peers of the hub configuration that this hub pulls from or pushes to."""
    return [PeerLink.from_config(name, spec or {}) for name, spec in (config.get("peers") or {}).items()
            if (spec or {}).get("pull") or (spec or {}).get("push")]
