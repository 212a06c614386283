"""Post-quantum readiness across the network: ``GET /api/v1/pqc/readiness[?period=YYYY-MM-DD]`` on a
cross-border hub rolls its members' anonymised summaries up (right ``alerts``); ``POST
/api/v1/pqc/readiness/share`` on a national hub sends its summaries up now (right ``admin``)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ..auth import CanReadAlerts, IsAdmin, service_of

router = APIRouter()


def _sharing(request: Request, role: str):
    """The hub's readiness exchange; 404 unless the hub is in a network with the role ``role``."""
    federation = request.app.state.federation
    name = service_of(request).config.name
    if federation is None:
        raise HTTPException(404, f"hub {name} is in no network: it shares no readiness figures")
    if federation.me.role != role:
        raise HTTPException(404, f"hub {name} is a {federation.me.role} hub; this is for a {role} hub")
    return federation.readiness


@router.get("/api/v1/pqc/readiness")
async def readiness(request: Request, _: CanReadAlerts, period: str | None = None) -> dict:
    """The cross-country picture for one week (default: the newest a member sent)."""
    sharing = _sharing(request, "cross-border")
    try:
        week = date.fromisoformat(period) if period else None
    except ValueError:
        raise HTTPException(400, f"period: {period[:32]!r} is not a date (YYYY-MM-DD)") from None
    return await run_in_threadpool(sharing.picture, week)


@router.post("/api/v1/pqc/readiness/share")
async def share(request: Request, _: IsAdmin) -> dict:
    """Store what the recorder gathered, then queue this hub's summaries of the newest weeks for every
    cross-border hub it shares them with; ``queued`` lists them (empty: no handshakes recorded yet)."""
    sharing = _sharing(request, "national")
    await run_in_threadpool(service_of(request).pqc.flush)
    queued = await run_in_threadpool(sharing.share)
    return {"hub": sharing.me.name, "queued": queued, "recipients": [h.name for h in sharing.recipients()]}
