"""``POST /api/v1/exchange``: signed envelopes from the peer hubs of the network (sightings up, warnings down)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ...exchange import Account
from ...network import Refused
from ..auth import requires

router = APIRouter()
CanExchange = Annotated[Account, Depends(requires("exchange"))]


@router.post("/api/v1/exchange")
async def exchange(request: Request, account: CanExchange):
    federation = request.app.state.federation
    limit = federation.receiver.policy.max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        federation.service.context.counters.reject("oversize")
        raise HTTPException(413, f"the envelope is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            federation.service.context.counters.reject("oversize")
            raise HTTPException(413, f"the envelope is over the limit of {limit} bytes")
        chunks.append(chunk)
    try:
        return await run_in_threadpool(federation.receive, b"".join(chunks), account.name)
    except Refused as refused:
        return JSONResponse({"reason": refused.reason, "detail": refused.detail}, refused.status)
