"""``GET /api/v1/alerts[?since=ISO&kind=K&limit=N]``: stored alerts as in ``alerts.jsonl``, newest last."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ...storage import list_alerts
from ..auth import CanReadAlerts, service_of

router = APIRouter()


def parse_since(since: str | None) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; UTC when it has none), or 400."""
    if since is None:
        return None
    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise HTTPException(400, f"since={since!r} is not an ISO 8601 time (2026-12-01T08:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/api/v1/alerts")
async def alerts(request: Request, _: CanReadAlerts, since: str | None = None, kind: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict]:
    """The first ``limit`` alerts created after ``since``, or without it the newest ``limit``; oldest first."""
    return await run_in_threadpool(list_alerts, service_of(request).context.sessions, parse_since(since), kind, limit)
