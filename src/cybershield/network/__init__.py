"""Hubs together: sharing agreements, cross-border correlation, early warnings and escalation packages."""

from .agreement import Agreement, EscalationRule, WarningRule
from .correlation import Correlator, Sighting
from .escalation import write_escalation
from .federation import Federation, Refused
from .observables import Observable, external_observables, is_internal
from .sightings import Seen, hub_identity, read_sightings, severity_name, sightings_bundle
from .topology import HubEntry, NetworkError, Topology, load_topology
from .warnings import Warning, build_warning

__all__ = ["Agreement", "Correlator", "EscalationRule", "Federation", "HubEntry", "NetworkError", "Refused", "Topology",
           "load_topology", "Observable", "Sighting", "Warning", "WarningRule",
           "Seen", "build_warning", "external_observables", "hub_identity", "is_internal", "read_sightings",
           "severity_name", "sightings_bundle", "write_escalation"]
