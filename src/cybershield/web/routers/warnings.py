"""``GET /api/v1/warnings[?since=ISO]``: early warnings received, oldest first; ``POST`` applies one (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ...hub import HubError
from ...storage import list_warnings
from ..auth import CanReadWarnings, IsAdmin, service_of
from ..body import json_body
from .alerts import parse_since

router = APIRouter()
MAX_WARNING_BYTES = 16 * 1024 * 1024


@router.get("/api/v1/warnings")
async def warnings(request: Request, _: CanReadWarnings, since: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict]:
    return await run_in_threadpool(list_warnings, service_of(request).context.sessions, parse_since(since), limit)


@router.post("/api/v1/warnings")
async def apply(request: Request, account: IsAdmin) -> dict:
    """Apply a warning given by hand (a STIX bundle with one report): indicators into detection, retro-hunt."""
    document = await json_body(request, MAX_WARNING_BYTES, "a warning")
    try:
        applied = await run_in_threadpool(service_of(request).apply_warning, document, account.name)
    except HubError as exc:
        raise HTTPException(exc.http_status, exc.message) from None
    return applied.as_dict()
