"""Settings read from the environment, with the embedded defaults of DESIGN.md.

This is the one module that reads environment variables (README, "Settings", lists them all).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where a hub keeps its state and finds the shared development data."""

    data_dir: Path
    var_dir: Path
    db_url: str
    hub_config_path: Path
    log_level: str | None = None  # None: not set (WARNING for commands, INFO for services)
    log_json: bool = False
    key_passphrase: str | None = None  # of the hub's private keys (exchange.keys); None: the passphrase file

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(os.environ.get("CYBERSHIELD_VAR", "var")).resolve()
        return cls(
            data_dir=Path(os.environ.get("CYBERSHIELD_DATA", "../shared/data")).resolve(),
            var_dir=var_dir,
            db_url=os.environ.get("CYBERSHIELD_DB_URL", f"sqlite:///{var_dir / 'cybershield.db'}"),
            hub_config_path=Path(os.environ.get("CYBERSHIELD_HUB_CONFIG", var_dir / "hub.yaml")),
            log_level=os.environ.get("CYBERSHIELD_LOG_LEVEL") or None,
            log_json=os.environ.get("CYBERSHIELD_LOG_JSON", "").lower() in ("1", "true", "yes", "on"),
            key_passphrase=os.environ.get("CYBERSHIELD_KEY_PASSPHRASE") or None,
        )

    def shared_data_present(self) -> bool:
        return (self.data_dir / "README.md").is_file()


def settings() -> Settings:
    return Settings.from_env()


def secret_from_env(variable: str) -> str | None:
    """A secret the hub configuration names by its environment variable (``password_env``), or None."""
    return os.environ.get(variable) if variable else None
