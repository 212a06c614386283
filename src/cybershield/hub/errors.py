"""The hub's errors: each carries a message for the user, the exit code of the command and the HTTP status."""

from __future__ import annotations

from ..errors import CybershieldError


class HubError(CybershieldError):
    """A problem the user can act on: printed as is by the CLI (exit code 2) or answered with ``http_status``."""


class ConfigError(HubError):
    """The hub configuration is unreadable or holds a bad value: names the file and the key."""

    def __init__(self, path: object, key: str, problem: str):
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.key, self.problem = path, key, problem


class PortInUse(HubError):
    """The address the service should listen on is taken (or not ours to take)."""
