"""``POST /api/v1/ingest[?format=F]``: a body of log lines or an EVTX file, gzip allowed, size-capped (413)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ...hub import HubError
from ..auth import CanIngest, service_of

router = APIRouter()


@router.post("/api/v1/ingest")
async def ingest(request: Request, account: CanIngest, format: str | None = None) -> dict:
    service = service_of(request)
    limit = service.config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is {declared} bytes; the limit is {limit}")
    path = service.spool_path()
    size, digest = 0, hashlib.sha256()
    try:
        with path.open("wb") as spool:  # parsers read files: the body goes to the spool as it arrives
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"the body is over the limit of {limit} bytes")
                spool.write(chunk)
                digest.update(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise HTTPException(400, "the body is empty: send log lines or an EVTX file")
    try:
        return await run_in_threadpool(service.ingest_upload, path, digest.hexdigest(), account.name, format)
    except HubError as exc:
        raise HTTPException(exc.http_status, exc.message) from None
