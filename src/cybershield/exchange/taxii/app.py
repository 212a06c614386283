"""The TAXII 2.1 server (FastAPI): discovery, API root, collections, objects, manifest, versions, status.

Short reads (one object, its versions, status, the descriptions) run on the event loop: an index seek
costs less than a hop to the thread pool, whose scheduling dominated their tail latency. Pages, POSTs
and DELETEs run in the thread pool; password hashing in the authenticator's own small pool.

Every response that carries STIX, and every DELETE, goes through the sharing policy's gate for the
authenticated account: what the account may not receive is never listed, counted, deleted or confirmed
(it reads as absent, with the same 404). Pages are filled from what the account may see, and cursors
are sealed (:mod:`.cursors`), so neither ``more`` nor ``next`` tells anything about withheld objects.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import replace

import orjson
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from ...intel import IntelStore, Recipient, SharingPolicy, prepare_validation, stixtime
from ...storage import read_status, save_status
from ..accounts import Account, Authenticator, Collection, LoginRefused, TaxiiSettings
from .cursors import Cursors
from .media import STIX, TAXII, TaxiiError, check_accept, check_content_type, limit_of, listed, taxii_response

#: The most versions of one object a DELETE removes at once.
MAX_VERSIONS = 100_000


def create_app(store: IntelStore, policy: SharingPolicy, settings: TaxiiSettings) -> FastAPI:
    """The TAXII 2.1 application over ``store``, gated by ``policy``, with ``settings``' accounts and collections."""
    app = FastAPI(title=settings.title, docs_url=None, redoc_url=None, openapi_url=None,
                  on_startup=[prepare_validation])
    auth = Authenticator(settings.accounts, settings.login_limits)
    cursors = Cursors(settings.cursor_secret)
    root = f"/{settings.api_root}"

    @app.exception_handler(TaxiiError)
    async def _taxii_error(_request, exc: TaxiiError):
        return exc.response()

    @app.exception_handler(HTTPException)
    async def _http_error(_request, exc: HTTPException):
        return TaxiiError(exc.status_code, str(exc.detail), "no such TAXII resource" if exc.status_code == 404 else "").response()

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request, exc: RequestValidationError):
        return TaxiiError(400, "Bad Request", str(exc.errors())[:500]).response()

    async def account_of(request: Request) -> Account:
        check_accept(request)
        challenge = {"WWW-Authenticate": f'Basic realm="{settings.title}"'}
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            raise TaxiiError(401, "Unauthorized", "HTTP Basic credentials are required", challenge)
        try:
            name, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise TaxiiError(401, "Unauthorized", "malformed Basic credentials", challenge) from None
        try:
            account = await auth.verify_async(name, secret, request.client.host if request.client else "")
        except LoginRefused as exc:
            raise TaxiiError(429, "Too Many Requests", str(exc), {"Retry-After": str(exc.retry_after)}) from None
        if account is None:
            raise TaxiiError(401, "Unauthorized", "unknown account or wrong secret", challenge)
        return account

    def recipient_of(account: Account) -> Recipient:
        return policy.recipients.get(account.name) or Recipient(account.name, "peer")

    def visible(account: Account, collection_id: str) -> Collection:
        collection = settings.collections.get(collection_id)
        if collection is None or not (collection.name in account.read or collection.name in account.write):
            raise TaxiiError(404, "Not Found", f"no collection {collection_id}")
        return collection

    def collection_of(account: Account, collection_id: str, right: str) -> Collection:
        collection = visible(account, collection_id)
        if collection.name not in getattr(account, right):
            raise TaxiiError(403, "Forbidden", f"{account.name} may not {right} collection {collection_id}")
        return collection

    def describe(collection: Collection, account: Account) -> dict:
        return {"id": collection.id, "title": collection.title, "description": collection.description,
                "can_read": collection.name in account.read, "can_write": collection.name in account.write,
                "media_types": [STIX]}

    def gated_page(request: Request, account: Account, collection: Collection, ids: list[str],
                   versions: list[str] | None = None, limit: int | None = None):
        """One page that ``account`` may see; ``versions`` defaults to ``match[version]``, else ``last``."""
        scope = f"{account.name}\0{collection.id}"
        token = request.query_params.get("next")
        try:
            page = policy.page(store, recipient_of(account), collection.name, limit=limit or limit_of(request),
                               cursor=cursors.open(token, scope) if token else None,
                               added_after=request.query_params.get("added_after"), ids=ids,
                               types=listed(request, "match[type]"),
                               versions=versions or listed(request, "match[version]") or ["last"],
                               spec_versions=listed(request, "match[spec_version]"))
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request", str(exc)) from None
        headers = {}
        if page.objects:
            headers = {"X-TAXII-Date-Added-First": page.objects[0].date_added,
                       "X-TAXII-Date-Added-Last": page.objects[-1].date_added}
        return replace(page, next=cursors.seal(page.next, scope) if page.next else None), headers

    def absent(object_id: str, collection: Collection) -> TaxiiError:
        """The one answer for an object that is not there and for one the account may not see."""
        return TaxiiError(404, "Not Found", f"no object {object_id} in collection {collection.id}")

    def gated_object(request: Request, account: Account, collection: Collection, object_id: str,
                     versions: list[str] | None = None, limit: int | None = None):
        """Like :func:`gated_page` for one id; 404 when the account sees no version of it (on a first page)."""
        page, headers = gated_page(request, account, collection, [object_id], versions, limit)
        if not page.objects and not request.query_params.get("next"):
            raise absent(object_id, collection)
        return page, headers

    def envelope(page, headers):
        body = b'{"more":' + (b"true" if page.more else b"false")
        if page.next:
            body += b',"next":' + orjson.dumps(page.next)
        if page.objects:
            body += b',"objects":[' + ",".join(o.document for o in page.objects).encode() + b"]"
        return taxii_response(body + b"}", headers=headers)

    @app.get("/taxii2/")
    async def discovery(request: Request):
        await account_of(request)
        base = str(request.base_url).rstrip("/")
        return taxii_response({"title": settings.title, "description": f"TAXII 2.1 server of hub {policy.hub}",
                               "default": f"{base}{root}/", "api_roots": [f"{base}{root}/"]})

    @app.get(f"{root}/")
    async def api_root(request: Request):
        await account_of(request)
        return taxii_response({"title": settings.title, "versions": [TAXII],
                               "max_content_length": settings.max_content_length})

    @app.get(f"{root}/collections/")
    async def collections(request: Request):
        account = await account_of(request)
        visible = [describe(c, account) for c in settings.collections.values()
                   if c.name in account.read or c.name in account.write]
        return taxii_response({"collections": visible} if visible else {})

    @app.get(f"{root}/collections/{{collection_id}}/")
    async def collection(request: Request, collection_id: str):
        account = await account_of(request)
        return taxii_response(describe(visible(account, collection_id), account))

    @app.get(f"{root}/collections/{{collection_id}}/objects/")
    async def get_objects(request: Request, collection_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "read")
        return envelope(*await run_in_threadpool(gated_page, request, account, target, listed(request, "match[id]")))

    @app.post(f"{root}/collections/{{collection_id}}/objects/")
    async def add_objects(request: Request, collection_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "write")
        check_content_type(request)
        body = await _bounded_body(request, settings.max_content_length)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise TaxiiError(400, "Bad Request", f"the body is not JSON: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("objects"), list):
            raise TaxiiError(400, "Bad Request", "the body must be a TAXII envelope: {\"objects\": [...]}")
        requested = stixtime.now()
        result = await run_in_threadpool(store.add, document["objects"], collection=target.name, origin=account.name)
        status = _status(result, requested)
        await run_in_threadpool(save_status, store.engine, status, target.name, account.name)
        return taxii_response(status, 202)

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    async def get_object(request: Request, collection_id: str, object_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "read")
        return envelope(*gated_object(request, account, target, object_id))

    @app.delete(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    async def delete_object(request: Request, collection_id: str, object_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "read")
        collection_of(account, collection_id, "write")

        def delete() -> None:
            """Only the versions the account may see go; none seen reads as absent."""
            page, _ = gated_page(request, account, target, [object_id],
                                 listed(request, "match[version]") or ["all"], MAX_VERSIONS)
            if not page.objects:
                raise absent(object_id, target)
            store.delete(target.name, object_id, [o.version for o in page.objects],
                         listed(request, "match[spec_version]"))

        await run_in_threadpool(delete)
        return taxii_response(b"", 200)

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
    async def versions(request: Request, collection_id: str, object_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "read")
        page, headers = gated_object(request, account, target, object_id, ["all"])
        body = {"more": page.more, "versions": [o.version for o in page.objects]}
        if page.next:
            body["next"] = page.next
        return taxii_response(body, headers=headers)

    @app.get(f"{root}/collections/{{collection_id}}/manifest/")
    async def manifest(request: Request, collection_id: str):
        account = await account_of(request)
        target = collection_of(account, collection_id, "read")
        page, headers = await run_in_threadpool(gated_page, request, account, target, listed(request, "match[id]"))
        body: dict = {"more": page.more}
        if page.next:
            body["next"] = page.next
        if page.objects:
            body["objects"] = [{"id": o.id, "date_added": o.date_added, "version": o.version, "media_type": STIX}
                               for o in page.objects]
        return taxii_response(body, headers=headers)

    @app.get(f"{root}/status/{{status_id}}/")
    async def status(request: Request, status_id: str):
        account = await account_of(request)
        document = read_status(store.engine, status_id, account.name)
        if document is None:
            raise TaxiiError(404, "Not Found", f"no status {status_id}")
        return taxii_response(document)

    return app


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is longer than ``limit`` (declared or actual length)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TaxiiError(413, "Payload Too Large", f"the body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TaxiiError(413, "Payload Too Large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _status(result, requested: str) -> dict:
    """The status of a POST. Successes all read ``accepted``: whether a version was new or already held
    (perhaps from someone whose objects the poster may not see) is not the poster's to learn."""
    successes = [{"id": s.id, "version": s.version, "message": "accepted"}
                 for s in result.statuses if s.status != "rejected"]
    failures = [{"id": s.id or f"index {s.index}", "message": "; ".join(s.reasons)[:2000]}
                for s in result.statuses if s.status == "rejected"]
    return {"id": str(uuid.uuid4()), "status": "complete", "request_timestamp": requested,
            "total_count": len(result.statuses), "success_count": len(successes), "successes": successes,
            "failure_count": len(failures), "failures": failures, "pending_count": 0, "pendings": []}
