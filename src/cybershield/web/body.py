"""Reading a JSON request body with a size limit: 413 when too large, 400 when not JSON."""

from __future__ import annotations

import orjson
from fastapi import HTTPException, Request


async def json_body(request: Request, limit: int, what: str = "a request body") -> object:
    body = await request.body()
    if len(body) > limit:
        raise HTTPException(413, f"{what} is at most {limit} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(400, f"the body is not JSON: {exc}") from None
