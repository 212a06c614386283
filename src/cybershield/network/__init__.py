"""Hubs together: sharing agreements, cross-border correlation, early warnings and escalation packages."""

from .agreement import Agreement, EscalationRule, WarningRule
from .correlation import Correlator, Sighting
from .escalation import write_escalation
from .observables import Observable, external_observables, is_internal
from .warnings import Warning, build_warning

__all__ = ["Agreement", "Correlator", "EscalationRule", "Observable", "Sighting", "Warning", "WarningRule",
           "build_warning", "external_observables", "is_internal", "write_escalation"]
