"""HTTP Basic against the hub configuration's accounts; each route names the right it needs."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from ..exchange import Account, LoginRefused
from ..hub import HubService

_basic = HTTPBasic(auto_error=False, realm="cybershield hub")


def service_of(request: Request) -> HubService:
    return request.app.state.hub


def requires(right: str) -> Callable[..., Account]:
    """A dependency: the logged-in account, which must hold ``right`` (401 without valid credentials, else 403)."""

    async def dependency(request: Request,
                         credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> Account:
        challenge = {"WWW-Authenticate": 'Basic realm="cybershield hub"'}
        if credentials is None:
            raise HTTPException(401, "HTTP Basic credentials are required", challenge)
        try:  # hashing off the event loop, the same work for unknown names, limits per account and address
            account = await service_of(request).authenticator.verify_async(
                credentials.username, credentials.password, request.client.host if request.client else "")
        except LoginRefused as refused:
            raise HTTPException(429, str(refused), {"Retry-After": str(refused.retry_after)}) from None
        if account is None:
            raise HTTPException(401, "unknown account or wrong secret", challenge)
        if not service_of(request).may(account, right):
            raise HTTPException(403, f"{account.name} lacks the right {right!r}")
        return account

    return dependency


async def dashboard_reader(request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
                           ) -> Account | None:
    """The dashboard's reader: nobody needs to log in when the configuration allows it
    (``dashboard.open_on_loopback``, the default), the hub listens on a loopback address and the request
    comes from this machine; otherwise an account with the right ``alerts``."""
    service = service_of(request)
    server = request.scope.get("server") or (None, None)
    client = request.client.host if request.client else None
    if service.config.dashboard.open_on_loopback and all(
            is_loopback(host) for host in (service.config.host, server[0], client)):
        return None
    return await requires("alerts")(request, credentials)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: The logged-in account, holding the right the name says (use as a parameter's type).
CanIngest = Annotated[Account, Depends(requires("ingest"))]
CanReadAlerts = Annotated[Account, Depends(requires("alerts"))]
CanReadWarnings = Annotated[Account, Depends(requires("warnings"))]
IsAdmin = Annotated[Account, Depends(requires("admin"))]
#: Who reads the dashboard (None: open on loopback, see ``dashboard_reader``).
CanReadDashboard = Annotated[Account | None, Depends(dashboard_reader)]
