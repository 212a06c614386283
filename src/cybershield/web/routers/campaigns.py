"""``GET /api/v1/campaigns[?days=90&attribute=true]``: a cross-border hub's campaigns across countries (the
``incidents`` right): the incidents its members shared, last seen within ``days``, clustered by a shared
indicator, software or technique chain (``network.campaigns``); ``attribute=true`` adds the intrusion sets ranked for each (the ATT&CK bundle of the
shared data is needed; without it the answer is the attribution's error)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ...exchange import Account
from ...network.campaigns import campaigns
from ...response import ResponseError, ResponseService
from ..auth import requires, service_of

router = APIRouter()
CanHandleIncidents = Annotated[Account, Depends(requires("incidents"))]


@router.get("/api/v1/campaigns")
async def list_campaigns(request: Request, _: CanHandleIncidents, attribute: bool = False,
                         days: Annotated[int, Query(ge=1, le=3650)] = 90) -> dict:
    context = service_of(request).context

    def run() -> list[dict]:
        model = ResponseService.for_hub(context).attribution if attribute else None
        return campaigns(context.sessions, model, timedelta(days=days))
    try:
        return {"campaigns": await run_in_threadpool(run)}
    except ResponseError as exc:
        raise HTTPException(exc.status, exc.message) from None
