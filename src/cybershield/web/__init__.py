"""The web layer: the hub's FastAPI application assembled from routers (ingest, alerts, warnings, health)
with the TAXII 2.1 server mounted beside them. It holds no logic: every route calls ``hub.HubService``."""

from .app import create_app

__all__ = ["create_app"]
