"""HTTP Basic against the hub configuration's accounts; each route names the right it needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from ..exchange import Account
from ..hub import HubService

_basic = HTTPBasic(auto_error=False, realm="cybershield hub")


def service_of(request: Request) -> HubService:
    return request.app.state.hub


def requires(right: str) -> Callable[..., Account]:
    """A dependency: the logged-in account, which must hold ``right`` (401 without valid credentials, else 403)."""

    def dependency(request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> Account:
        challenge = {"WWW-Authenticate": 'Basic realm="cybershield hub"'}
        if credentials is None:
            raise HTTPException(401, "HTTP Basic credentials are required", challenge)
        account = service_of(request).login(credentials.username, credentials.password)
        if account is None:
            raise HTTPException(401, "unknown account or wrong secret", challenge)
        if not service_of(request).may(account, right):
            raise HTTPException(403, f"{account.name} lacks the right {right!r}")
        return account

    return dependency


#: The logged-in account, holding the right the name says (use as a parameter's type).
CanIngest = Annotated[Account, Depends(requires("ingest"))]
CanReadAlerts = Annotated[Account, Depends(requires("alerts"))]
CanReadWarnings = Annotated[Account, Depends(requires("warnings"))]
IsAdmin = Annotated[Account, Depends(requires("admin"))]
