"""TAXII 2.1 media types, error messages and query-parameter parsing."""

from __future__ import annotations

import logging

import orjson
from fastapi import Request
from fastapi.responses import Response

from ...errors import CybershieldError

log = logging.getLogger(__name__)

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000


class TaxiiError(CybershieldError):
    """An error the server answers with a TAXII error message (section 3.6.1)."""

    def __init__(self, status: int, title: str, description: str = "", headers: dict | None = None):
        super().__init__(f"{title}: {description}" if description else title, http_status=status)
        self.status, self.title, self.description, self.headers = status, title, description, headers or {}

    def response(self) -> Response:
        log.info("refused with %d %s: %s", self.status, self.title, self.description)
        body = {"title": self.title, "description": self.description, "http_status": str(self.status)}
        return Response(orjson.dumps(body), self.status, self.headers, media_type=TAXII)


def taxii_response(body: dict | bytes, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body if isinstance(body, bytes) else orjson.dumps(body), status, headers, media_type=TAXII)


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    kind, *params = (part.strip() for part in value.split(";"))
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def check_accept(request: Request) -> None:
    """406 unless the client accepts TAXII 2.1 JSON (``application/taxii+json`` with version 2.1 or none)."""
    header = request.headers.get("accept", "*/*")
    for item in header.split(","):
        kind, params = _media_type(item)
        if kind in ("*/*", "application/*") or (
                kind == "application/taxii+json" and params.get("version", "2.1") == "2.1"):
            return
    raise TaxiiError(406, "Not Acceptable", f"this server speaks {TAXII}, not {header!r}")


def check_content_type(request: Request) -> None:
    """415 unless the body is ``application/taxii+json;version=2.1``."""
    kind, params = _media_type(request.headers.get("content-type", ""))
    if kind != "application/taxii+json" or params.get("version", "2.1") != "2.1":
        raise TaxiiError(415, "Unsupported Media Type",
                         f"send {TAXII}, not {request.headers.get('content-type', 'no content type')!r}")


def listed(request: Request, name: str) -> list[str]:
    """A comma-separated filter parameter (e.g. ``match[type]``) as a list."""
    return [v.strip() for value in request.query_params.getlist(name) for v in value.split(",") if v.strip()]


def limit_of(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw in (None, "", "0"):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise TaxiiError(400, "Bad Request", f"limit must be a positive integer, not {raw!r}") from None
    if limit < 1:
        raise TaxiiError(400, "Bad Request", f"limit must be a positive integer, not {raw!r}")
    return min(limit, MAX_LIMIT)
