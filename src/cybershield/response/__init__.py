"""Incident response: incidents from alerts, the audit trail, the NIS2 clock and reports, the EU Cybersecurity
Reserve, incident review and attribution."""

from .attribution import AttributionModel, attribute_campaign, cluster_incidents, load_profiles
from .audit import Finding
from .clock import ENTITY_TYPES, REPORT_KINDS, ClockInput, clock_view, iso, parse_time, zone
from .errors import NotFound, ResponseError
from .grouping import GroupingRules
from .incident import Changes, build_changes, parse_entity, parse_event, parse_observable
from .lifecycle import STATES, TRANSITIONS
from .reports import FORMATS, build_report, report_bundle, validate_bundle
from .reserve import Provider, SupportNeeds, read_registry
from .reserve_desk import ReserveDesk
from .review import build_review, write_review
from .service import ResponseService
from .store import IncidentStore

__all__ = ["ENTITY_TYPES", "FORMATS", "REPORT_KINDS", "STATES", "TRANSITIONS", "AttributionModel",
           "Changes", "ClockInput", "Finding", "GroupingRules", "IncidentStore", "NotFound", "Provider",
           "ReserveDesk", "ResponseError", "ResponseService", "SupportNeeds", "attribute_campaign", "build_changes", "build_report",
           "build_review", "clock_view", "cluster_incidents", "iso", "load_profiles", "parse_entity", "parse_event",
           "parse_observable", "parse_time", "read_registry", "report_bundle", "validate_bundle", "write_review",
           "zone"]
