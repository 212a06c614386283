"""The hub's ASGI application: the JSON API routers, the dashboard (``/dashboard/``, ``/`` redirects there) and
the TAXII 2.1 server mounted under the same port.

When the hub configuration names a network file, the hub joins its network (``network.Federation``) and
``POST /api/v1/exchange`` takes signed envelopes from its peers.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from ..exchange import create_app as create_taxii_app
from ..hub import HubService
from ..network import Federation
from .routers import alerts, campaigns, dashboard, exchange, health, incidents, ingest, pqc, warnings

ROUTERS = (health.router, ingest.router, alerts.router, warnings.router, incidents.router, campaigns.router, pqc.router,
           dashboard.router)


def create_app(service: HubService, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The application of ``service``: its API (plus ``routers``) and its TAXII server (``/taxii2/``, ``/api1/``)."""
    config = service.config
    app = FastAPI(title=f"cybershield hub {config.name}", docs_url="/api/v1/docs", redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.hub = service
    app.state.federation = Federation.attach(service)
    if app.state.federation is not None:
        service.on_close.append(app.state.federation.close)
        routers = (*routers, exchange.router)
    for router in (*ROUTERS, *routers):
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=dashboard.STATIC), name="dashboard-static")
    taxii = create_taxii_app(service.context.store, service.context.policy, config.taxii_settings())
    app.mount("/", taxii)
    return app
