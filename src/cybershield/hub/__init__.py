"""One hub at work: its typed configuration and context, the pipeline over the bus, the archive and
retro-hunt, early warnings, the batch main job and the service lifecycle."""

from .archive import RETRO_HUNT, Archive, retro_hunt
from .bus import ALERTS, EVENTS, SHARING, SUBJECTS, WARNINGS, Bus, InProcessBus
from .config import RIGHTS, ROLES, HubConfig, load_hub_config, parse_hub_config
from .context import FLOW_MODEL, Counters, HubContext
from .errors import ConfigError, HubError, PortInUse
from .pipeline import Pipeline
from .service import BadRequest, HubService, bind, serve
from .warnings import AppliedWarning, BadWarning, apply_warning

__all__ = ["ALERTS", "EVENTS", "FLOW_MODEL", "RETRO_HUNT", "RIGHTS", "ROLES", "SHARING", "SUBJECTS", "WARNINGS",
           "AppliedWarning", "Archive", "BadRequest", "BadWarning", "Bus", "ConfigError", "Counters", "HubConfig",
           "HubContext", "HubError", "HubService", "InProcessBus", "Pipeline", "PortInUse", "apply_warning", "bind",
           "load_hub_config", "parse_hub_config", "retro_hunt", "serve"]
