"""The root of cybershield's errors: a problem a user or operator can fix, told as such.

A :class:`CybershieldError` carries the message for a person, the exit code the CLI ends with and the
HTTP status the web layer answers with. The CLI prints the message (no traceback) and exits with the
code; the TAXII server answers ``TaxiiError`` (a subclass) as a TAXII error message with its status, the
hub service its ``HubError`` (another) with its own.
"""

from __future__ import annotations


class CybershieldError(Exception):
    """An error with a message for a person; ``exit_code`` for the CLI, ``http_status`` for the web layer."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, exit_code: int | None = None, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code
        if http_status is not None:
            self.http_status = http_status

