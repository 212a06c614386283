"""Settings read from the environment, with the embedded defaults of DESIGN.md.

This is the one module that reads environment variables (README, "Settings", lists them all).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    """Where a hub keeps its state and finds the shared development data."""

    data_dir: Path
    var_dir: Path
    db_url: str
    hub_config_path: Path
    log_level: str = "WARNING"
    log_json: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(os.environ.get("CYBERSHIELD_VAR", "var")).resolve()
        return cls(
            data_dir=Path(os.environ.get("CYBERSHIELD_DATA", "../shared/data")).resolve(),
            var_dir=var_dir,
            db_url=os.environ.get("CYBERSHIELD_DB_URL", f"sqlite:///{var_dir / 'cybershield.db'}"),
            hub_config_path=Path(os.environ.get("CYBERSHIELD_HUB_CONFIG", var_dir / "hub.yaml")),
            log_level=os.environ.get("CYBERSHIELD_LOG_LEVEL", "WARNING"),
            log_json=os.environ.get("CYBERSHIELD_LOG_JSON", "").lower() in ("1", "true", "yes", "on"),
        )

    def shared_data_present(self) -> bool:
        return (self.data_dir / "README.md").is_file()

    def hub_config(self) -> dict:
        """The hub configuration (name, default TLP, peers, constituents, groups, TAXII collections), or {}."""
        if not self.hub_config_path.is_file():
            return {}
        try:
            config = yaml.safe_load(self.hub_config_path.read_text()) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigurationError(f"{self.hub_config_path}: not a readable YAML hub configuration: "
                                     f"{problem}{where}") from None
        if not isinstance(config, dict):
            raise ConfigurationError(f"{self.hub_config_path}: the hub configuration must be a mapping")
        return config


def settings() -> Settings:
    return Settings.from_env()


def secret_from_env(variable: str) -> str | None:
    """A secret the hub configuration names by its environment variable (``password_env``), or None."""
    return os.environ.get(variable) if variable else None
