"""The one error of the response package: a message for a person, an exit code and an HTTP status."""

from __future__ import annotations


class ResponseError(ValueError):
    """Bad input or a refused operation (CLI: the message and exit code 2; API: ``status`` with the reason)."""

    exit_code = 2

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(ResponseError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)
