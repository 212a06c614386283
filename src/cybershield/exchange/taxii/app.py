"""The TAXII 2.1 server (FastAPI): discovery, API root, collections, objects, manifest, versions, status.

Short reads (one object, its versions, status, the descriptions) run on the event loop: an index seek
costs less than a hop to the thread pool, whose scheduling dominated their tail latency. Pages, POSTs
and DELETEs run in the thread pool.

Every response that carries STIX goes through the sharing policy's gate for the authenticated account:
what the account may not receive is never listed, counted or confirmed (it reads as absent).
"""

from __future__ import annotations

import base64
import binascii
import uuid

import orjson
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy import insert, select
from starlette.exceptions import HTTPException

from ...intel import IntelStore, Recipient, SharingPolicy, prepare_validation, stixtime
from ...storage import TaxiiStatusRecord
from ..accounts import Account, Authenticator, Collection, TaxiiSettings
from .media import STIX, TAXII, TaxiiError, check_accept, check_content_type, limit_of, listed, taxii_response

STATUS = TaxiiStatusRecord.__table__


def create_app(store: IntelStore, policy: SharingPolicy, settings: TaxiiSettings) -> FastAPI:
    """The TAXII 2.1 application over ``store``, gated by ``policy``, with ``settings``' accounts and collections."""
    app = FastAPI(title=settings.title, docs_url=None, redoc_url=None, openapi_url=None,
                  on_startup=[prepare_validation])
    auth = Authenticator(settings.accounts)
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

    def account_of(request: Request) -> Account:
        check_accept(request)
        challenge = {"WWW-Authenticate": f'Basic realm="{settings.title}"'}
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            raise TaxiiError(401, "Unauthorized", "HTTP Basic credentials are required", challenge)
        try:
            name, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise TaxiiError(401, "Unauthorized", "malformed Basic credentials", challenge) from None
        account = auth.verify(name, secret)
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

    def page_of(request: Request, collection: Collection, ids: list[str], versions: list[str]):
        try:
            return store.page(collection.name, added_after=request.query_params.get("added_after"),
                              cursor=request.query_params.get("next"), ids=ids, types=listed(request, "match[type]"),
                              versions=versions, spec_versions=listed(request, "match[spec_version]"),
                              limit=limit_of(request))
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request", str(exc)) from None

    def gated_page(request: Request, account: Account, collection: Collection, ids: list[str],
                   versions: list[str] | None = None):
        """One page that ``account`` may see; ``versions`` defaults to ``match[version]``, else ``last``."""
        page = page_of(request, collection, ids, versions or listed(request, "match[version]") or ["last"])
        allowed = policy.gate(store, page.objects, recipient_of(account)).allowed
        headers = {}
        if allowed:
            headers = {"X-TAXII-Date-Added-First": allowed[0].date_added,
                       "X-TAXII-Date-Added-Last": allowed[-1].date_added}
        return page, allowed, headers

    def gated_object(request: Request, account: Account, collection: Collection, object_id: str,
                     versions: list[str] | None = None):
        """Like :func:`gated_page` for one id; 404 when the account sees no version of it (on a first page)."""
        page, allowed, headers = gated_page(request, account, collection, [object_id], versions)
        if not allowed and not request.query_params.get("next"):
            raise TaxiiError(404, "Not Found", f"no object {object_id} in collection {collection.id}")
        return page, allowed, headers

    def envelope(page, allowed, headers):
        body = b'{"more":' + (b"true" if page.more else b"false")
        if page.next:
            body += b',"next":' + orjson.dumps(page.next)
        if allowed:
            body += b',"objects":[' + ",".join(o.document for o in allowed).encode() + b"]"
        return taxii_response(body + b"}", headers=headers)

    @app.get("/taxii2/")
    async def discovery(request: Request):
        account_of(request)
        base = str(request.base_url).rstrip("/")
        return taxii_response({"title": settings.title, "description": f"TAXII 2.1 server of hub {policy.hub}",
                               "default": f"{base}{root}/", "api_roots": [f"{base}{root}/"]})

    @app.get(f"{root}/")
    async def api_root(request: Request):
        account_of(request)
        return taxii_response({"title": settings.title, "versions": [TAXII],
                               "max_content_length": settings.max_content_length})

    @app.get(f"{root}/collections/")
    async def collections(request: Request):
        account = account_of(request)
        visible = [describe(c, account) for c in settings.collections.values()
                   if c.name in account.read or c.name in account.write]
        return taxii_response({"collections": visible} if visible else {})

    @app.get(f"{root}/collections/{{collection_id}}/")
    async def collection(request: Request, collection_id: str):
        account = account_of(request)
        return taxii_response(describe(visible(account, collection_id), account))

    @app.get(f"{root}/collections/{{collection_id}}/objects/")
    def get_objects(request: Request, collection_id: str):
        account = account_of(request)
        target = collection_of(account, collection_id, "read")
        return envelope(*gated_page(request, account, target, listed(request, "match[id]")))

    @app.post(f"{root}/collections/{{collection_id}}/objects/")
    async def add_objects(request: Request, collection_id: str):
        account = account_of(request)
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
        await run_in_threadpool(_save_status, status, target, account)
        return taxii_response(status, 202)

    def _save_status(status: dict, target: Collection, account: Account) -> None:
        with store.engine.begin() as conn:
            conn.execute(insert(STATUS).values(id=status["id"], collection=target.name, peer=account.name,
                                               request_timestamp=status["request_timestamp"],
                                               document=orjson.dumps(status).decode()))

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    async def get_object(request: Request, collection_id: str, object_id: str):
        account = account_of(request)
        target = collection_of(account, collection_id, "read")
        return envelope(*gated_object(request, account, target, object_id))

    @app.delete(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    def delete_object(request: Request, collection_id: str, object_id: str):
        account = account_of(request)
        target = collection_of(account, collection_id, "read")
        collection_of(account, collection_id, "write")
        versions = listed(request, "match[version]") or ["all"]
        spec_versions = listed(request, "match[spec_version]")
        try:
            gone = store.delete(target.name, object_id, versions, spec_versions)
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request", str(exc)) from None
        if not gone:
            raise TaxiiError(404, "Not Found", f"no object {object_id} in collection {collection_id}")
        return taxii_response(b"", 200)

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
    async def versions(request: Request, collection_id: str, object_id: str):
        account = account_of(request)
        target = collection_of(account, collection_id, "read")
        page, allowed, headers = gated_object(request, account, target, object_id, ["all"])
        body = {"more": page.more, "versions": [o.version for o in allowed]}
        if page.next:
            body["next"] = page.next
        return taxii_response(body, headers=headers)

    @app.get(f"{root}/collections/{{collection_id}}/manifest/")
    def manifest(request: Request, collection_id: str):
        account = account_of(request)
        target = collection_of(account, collection_id, "read")
        page, allowed, headers = gated_page(request, account, target, listed(request, "match[id]"))
        body: dict = {"more": page.more}
        if page.next:
            body["next"] = page.next
        if allowed:
            body["objects"] = [{"id": o.id, "date_added": o.date_added, "version": o.version, "media_type": STIX}
                               for o in allowed]
        return taxii_response(body, headers=headers)

    @app.get(f"{root}/status/{{status_id}}/")
    async def status(request: Request, status_id: str):
        account = account_of(request)
        with store.engine.connect() as conn:
            document = conn.scalar(select(STATUS.c.document).where(STATUS.c.id == status_id,
                                                                   STATUS.c.peer == account.name))
        if document is None:
            raise TaxiiError(404, "Not Found", f"no status {status_id}")
        return taxii_response(document.encode())

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
    successes = [{"id": s.id, "version": s.version, "message": s.status}
                 for s in result.statuses if s.status != "rejected"]
    failures = [{"id": s.id or f"index {s.index}", "message": "; ".join(s.reasons)[:2000]}
                for s in result.statuses if s.status == "rejected"]
    return {"id": str(uuid.uuid4()), "status": "complete", "request_timestamp": requested,
            "total_count": len(result.statuses), "success_count": len(successes), "successes": successes,
            "failure_count": len(failures), "failures": failures, "pending_count": 0, "pendings": []}
