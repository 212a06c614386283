"""``GET /api/v1/health`` (no login): who the hub is, how long it has run, its queues and counters."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..auth import service_of

router = APIRouter()


@router.get("/api/v1/health")
def health(request: Request) -> dict:
    return service_of(request).health()
