"""``/api/v1/incidents``: the incident operations of the CLI over JSON (the ``incidents`` right).

- ``GET /api/v1/incidents[?status=S&all=true]``: ``{"incidents": [...]}``
- ``POST /api/v1/incidents``: open one (``title``, ``aware_at``, ``entity_type``, optional ``sector``,
  ``severity``, ``owner``, ``entity``, ``country``, ``alerts``); 201 with the incident
- ``GET /api/v1/incidents/{id}``: the incident with its clock
- ``PATCH /api/v1/incidents/{id}``: the keys of ``incident update`` (``status``, ``note: [...]``, …)
- ``GET /api/v1/incidents/{id}/clock[?at=ISO]``: the NIS2 clock
- ``GET /api/v1/incidents/{id}/report?kind=K[&format=json|stix|html]``: a report
- ``POST /api/v1/incidents/{id}/submissions``: ``{"report": K, "at": ISO}`` records a submission

A refused operation answers its status (400 bad input, 404 unknown incident, 409 a move the lifecycle
does not allow) with ``{"detail": reason}``. An incident opened or updated here is published on the hub's
``incidents`` subject (a hub in a network shares it up, ``network.incident_share``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from ...exchange import Account
from ...response import ResponseError, ResponseService, build_changes
from ..auth import requires, service_of
from ..body import json_body

router = APIRouter()
CanHandleIncidents = Annotated[Account, Depends(requires("incidents"))]
MAX_BODY = 1024 * 1024
_MEDIA = {"json": "application/json", "stix": "application/stix+json;version=2.1", "html": "text/html; charset=utf-8"}


async def _call(request: Request, fn: Callable[[ResponseService], object], changes: bool = False):
    """``fn`` on the hub's response service; an incident it opened or changed (``changes``) is published on the
    bus's ``incidents`` subject, where the federation shares it up."""
    hub = service_of(request)

    def run():
        result = fn(ResponseService.for_hub(hub.context))
        if changes:
            hub.incidents.publish(result)  # off the event loop: a full queue makes it wait
        return result
    try:
        return await run_in_threadpool(run)
    except ResponseError as exc:
        raise HTTPException(exc.status, exc.message) from None


async def _body(request: Request) -> dict:
    document = await json_body(request, MAX_BODY)
    if not isinstance(document, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return document


@router.get("/api/v1/incidents")
async def list_incidents(request: Request, _: CanHandleIncidents, status: str | None = None,
                         all: bool = False) -> dict:  # noqa: A002 - the query parameter's name
    return {"incidents": await _call(request, lambda svc: svc.store.list(status, all))}


@router.post("/api/v1/incidents", status_code=201)
async def open_incident(request: Request, account: CanHandleIncidents) -> dict:
    body = await _body(request)
    allowed = {"title", "aware_at", "entity_type", "sector", "severity", "owner", "entity", "country", "alerts"}
    if set(body) - allowed or not {"title", "aware_at", "entity_type"} <= set(body):
        raise HTTPException(400, f"an incident takes {', '.join(sorted(allowed))}; title, aware_at and "
                                 "entity_type are required")

    def run(svc: ResponseService) -> dict:
        if not isinstance(body["title"], str) or not isinstance(body.get("alerts", []), list):
            raise ResponseError("title is text and alerts a list of alert ids")
        return svc.store.open_incident(body["title"], svc.time(str(body["aware_at"])), body["entity_type"],
                                       sector=body.get("sector"), severity=body.get("severity", "medium"),
                                       owner=body.get("owner"), entity=body.get("entity"),
                                       country=body.get("country"), actor=account.name,
                                       alerts=[str(a) for a in body.get("alerts", [])])
    return await _call(request, run, changes=True)


@router.get("/api/v1/incidents/{incident_id}")
async def show_incident(request: Request, _: CanHandleIncidents, incident_id: str) -> dict:
    return await _call(request, lambda svc: {**svc.store.get(incident_id), "clock": svc.clock(incident_id)})


@router.patch("/api/v1/incidents/{incident_id}")
async def update_incident(request: Request, account: CanHandleIncidents, incident_id: str) -> dict:
    body = await _body(request)
    return await _call(request, lambda svc: svc.store.update(incident_id, build_changes(body, account.name, svc.tz),
                                                             account.name), changes=True)


@router.get("/api/v1/incidents/{incident_id}/clock")
async def clock(request: Request, _: CanHandleIncidents, incident_id: str, at: str | None = None) -> dict:
    return await _call(request, lambda svc: svc.clock(incident_id, svc.time(at)))


@router.get("/api/v1/incidents/{incident_id}/report")
async def report(request: Request, _: CanHandleIncidents, incident_id: str, kind: str,
                 format: str = "json") -> Response:  # noqa: A002 - the query parameter's name
    text = await _call(request, lambda svc: svc.render_report(incident_id, kind, format))
    return Response(text, media_type=_MEDIA[format])


@router.post("/api/v1/incidents/{incident_id}/submissions", status_code=201)
async def submit(request: Request, account: CanHandleIncidents, incident_id: str) -> dict:
    body = await _body(request)
    if not isinstance(body.get("report"), str) or not isinstance(body.get("at", ""), str):
        raise HTTPException(400, 'a submission is {"report": KIND, "at": ISO time (default now)}')
    return await _call(request, lambda svc: svc.submit(incident_id, body["report"], svc.time(body.get("at")),
                                                       account.name))
