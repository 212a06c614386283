"""One hub at work: its typed configuration and context, the pipeline over the bus, the archive and
retro-hunt, early warnings, the batch main job and the service lifecycle."""

from .archive import RETRO_HUNT, Archive, retro_hunt
from .bus import ALERTS, EVENTS, INCIDENTS, SHARING, SUBJECTS, WARNINGS, Bus, InProcessBus
from .config import RIGHTS, ROLES, GroupingConfig, HubConfig, load_hub_config, parse_hub_config
from .context import FLOW_MODEL, Counters, HubContext
from .errors import ConfigError, HubError, PortInUse
from .job import JobResult, JobSources, import_intel, job_sources, run_job
from .pipeline import Pipeline
from .service import BadRequest, HubService, bind, serve
from .warnings import AppliedWarning, BadWarning, WarningMessage, apply_warning

__all__ = ["ALERTS", "EVENTS", "FLOW_MODEL", "INCIDENTS", "RETRO_HUNT", "RIGHTS", "ROLES", "SHARING", "SUBJECTS", "WARNINGS",
           "AppliedWarning", "Archive", "BadRequest", "BadWarning", "Bus", "ConfigError", "Counters", "GroupingConfig",
           "HubConfig",
           "HubContext", "HubError", "HubService", "InProcessBus", "JobResult", "JobSources", "Pipeline", "PortInUse",
           "WarningMessage", "apply_warning", "bind", "import_intel",
           "job_sources", "load_hub_config", "parse_hub_config", "retro_hunt", "run_job", "serve"]
