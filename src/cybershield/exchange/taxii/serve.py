"""Running the TAXII application under uvicorn: in the foreground, or in a background thread on a free port."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from ...errors import CybershieldError

log = logging.getLogger(__name__)


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 9000) -> None:
    """Serve ``app`` until interrupted; the port is taken first, so a busy one fails before anything starts."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CybershieldError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info("listening on %s:%d", host, port)
    uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])


@contextlib.contextmanager
def background_server(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` on ``port`` of ``host`` (a free one by default) in a thread; yields the base URL
    (``http://host:port``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the TAXII server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
