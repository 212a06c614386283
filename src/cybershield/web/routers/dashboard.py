"""The dashboard: ``/`` redirects to ``/dashboard/``, the page itself, and the JSON it polls under
``/dashboard/api/`` (network, alerts, one alert with its events, warnings, incidents, campaign, activity, and
on a cross-border hub its members' post-quantum readiness).

Every route needs :data:`~cybershield.web.auth.CanReadDashboard`: open on loopback when the configuration
allows it, else an account with the right ``alerts``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ...detect import LEVELS
from .. import dashboard
from ..auth import CanReadDashboard, service_of
from .alerts import parse_since

router = APIRouter()
WEB = Path(__file__).resolve().parent.parent
STATIC = WEB / "static"
templates = Jinja2Templates(directory=WEB / "templates")


def _topology(request: Request):
    """The network the hub has joined (its federation's topology), or None for a hub on its own."""
    federation = request.app.state.federation
    return federation.topology if federation is not None else None


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard", include_in_schema=False)
def no_slash() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard/", response_class=HTMLResponse)
def page(request: Request, reader: CanReadDashboard):
    config = service_of(request).config
    return templates.TemplateResponse(request, "dashboard.html", {
        "hub": config.name, "country": config.country, "role": config.role, "levels": LEVELS,
        "reader": reader.name if reader else None})


@router.get("/dashboard/api/network")
async def network(request: Request, _: CanReadDashboard) -> dict:
    return await dashboard.network_view(service_of(request), _topology(request))


@router.get("/dashboard/api/alerts")
async def alerts(request: Request, _: CanReadDashboard, kind: str | None = None, level: str | None = None,
                 since: str | None = None, q: Annotated[str | None, Query(max_length=200)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    if level is not None and level not in LEVELS:
        raise HTTPException(400, f"level={level!r} is not one of {', '.join(LEVELS)}")
    return await run_in_threadpool(dashboard.alert_rows, service_of(request), parse_since(since), kind or None,
                                   level, q, limit)


@router.get("/dashboard/api/alerts/{alert_id}")
async def alert(request: Request, _: CanReadDashboard, alert_id: str) -> dict:
    found = await run_in_threadpool(dashboard.alert_detail, service_of(request), alert_id)
    if found is None:
        raise HTTPException(404, f"no alert {alert_id!r} on this hub")
    return found


@router.get("/dashboard/api/warnings")
async def warnings(request: Request, _: CanReadDashboard) -> list[dict]:
    return await run_in_threadpool(dashboard.warning_rows, service_of(request))


@router.get("/dashboard/api/incidents")
async def incidents(request: Request, _: CanReadDashboard) -> dict:
    return await run_in_threadpool(dashboard.incidents, service_of(request))


@router.get("/dashboard/api/campaign")
async def campaign(request: Request, _: CanReadDashboard) -> dict:
    return await dashboard.campaign(service_of(request), _topology(request))


@router.get("/dashboard/api/readiness")
async def readiness(request: Request, _: CanReadDashboard) -> dict:
    """A cross-border hub's members' post-quantum readiness, rolled up for the newest week."""
    federation = request.app.state.federation
    if federation is None or federation.me.role != "cross-border":
        raise HTTPException(404, "only a cross-border hub rolls up its members' readiness figures")
    return await run_in_threadpool(federation.readiness.picture)


@router.get("/dashboard/api/activity")
async def activity(request: Request, _: CanReadDashboard) -> dict:
    return await run_in_threadpool(dashboard.activity, service_of(request))
