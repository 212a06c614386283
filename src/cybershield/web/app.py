"""The hub's ASGI application: the JSON API routers, and the TAXII 2.1 server mounted under the same port.

``POST /api/v1/exchange`` (signed envelopes between hubs) belongs to the federation: it passes its router
in ``routers`` and it is included like the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from ..exchange import create_app as create_taxii_app
from ..hub import HubService
from .routers import alerts, health, ingest, warnings

ROUTERS = (health.router, ingest.router, alerts.router, warnings.router)


def create_app(service: HubService, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The application of ``service``: its API (plus ``routers``) and its TAXII server (``/taxii2/``, ``/api1/``)."""
    config = service.config
    app = FastAPI(title=f"cybershield hub {config.name}", docs_url="/api/v1/docs", redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.hub = service
    for router in (*ROUTERS, *routers):
        app.include_router(router)
    taxii = create_taxii_app(service.context.store, service.context.policy, config.taxii_settings())
    app.mount("/", taxii)
    return app
