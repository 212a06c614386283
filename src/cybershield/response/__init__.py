"""Incident response: incidents from alerts, the audit trail, the NIS2 clock and reports, the EU Cybersecurity
Reserve, incident review and attribution.

The names below load their module on first use: the command line's help reads the report kinds, states and
formats without loading the service, the hub and STIX with them.
"""

from ..lazy import lazy_names

#: name -> (module, attribute in it)
_HOMES = {
    **{n: ("attribution", n) for n in ("AttributionModel", "attribute_campaign", "cluster_incidents", "load_profiles")},
    "Finding": ("audit", "Finding"),
    **{n: ("clock", n) for n in ("ENTITY_TYPES", "REPORT_FORMATS", "REPORT_KINDS", "ClockInput", "clock_view", "iso",
                                  "parse_time", "zone")},
    **{n: ("errors", n) for n in ("NotFound", "ResponseError")},
    "GroupingRules": ("grouping", "GroupingRules"),
    **{n: ("incident", n) for n in ("Changes", "build_changes", "parse_entity", "parse_event", "parse_observable")},
    **{n: ("lifecycle", n) for n in ("STATES", "TRANSITIONS")},
    **{n: ("reports", n) for n in ("FORMATS", "build_report", "report_bundle", "validate_bundle")},
    **{n: ("reserve", n) for n in ("Provider", "SupportNeeds", "read_registry")},
    "ReserveDesk": ("reserve_desk", "ReserveDesk"),
    **{n: ("review", n) for n in ("build_review", "write_review")},
    "ResponseService": ("service", "ResponseService"),
    "IncidentStore": ("store", "IncidentStore"),
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
