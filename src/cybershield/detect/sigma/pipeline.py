"""The pySigma processing pipeline: Sigma's Windows log sources and field names -> our event model.

Version choice: pySigma 1.x (``pysigma>=1.5,<2``). pySigma 2.x ships no Sysmon/Windows pipelines,
and the packages that hold them (``pysigma-pipeline-sysmon`` 2.0, ``pysigma-pipeline-windows``
2.0) pin ``pysigma<2``, as does the SQLite backend we check against (``pysigma-backend-sqlite``
1.2.x; its 2.x needs pySigma 2). With 1.5 we reuse the field's own log source mappings instead
of copying them, and the reference runs on the very same rule objects.

Our events keep the Windows payload as ``winlog.event_data.<Name>`` (the Sigma names) beside
``winlog.channel``, ``winlog.event_id`` and ``winlog.provider_name``, so the mapping is a
prefix. Log sources become conditions on channel and EventID, which the evaluator turns into
dispatch. A generic category can live in two logs: ``process_creation`` is Sysmon EventID 1 and
Security 4688 (whose field names differ: ``NewProcessName``, ``ParentProcessName``), registry
categories are Sysmon 12-14 and Security 4657. So a rule is processed once per *variant*
(``sysmon``, ``security``): the same pipeline, with either pySigma's Sysmon log source items or
its Windows audit items in front.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import yaml
from sigma.correlations import SigmaCorrelationRule
from sigma.pipelines.sysmon import sysmon_pipeline
from sigma.pipelines.windows import windows_audit_pipeline, windows_logsource_pipeline
from sigma.pipelines.windows.windows import generic_logsource_to_windows_audit_event_mapping
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    FieldFunctionTransformation,
    ValueListPlaceholderTransformation,
    WildcardPlaceholderTransformation,
)
from sigma.rule import SigmaRule

#: Sigma's Windows "System" fields -> event model columns; every other field is EventData.
SYSTEM_FIELDS = {
    "Channel": "winlog.channel",
    "EventID": "winlog.event_id",
    "Provider_Name": "winlog.provider_name",
    "Computer": "winlog.computer_name",
    "EventRecordID": "winlog.record_id",
}
EVENT_DATA = "winlog.event_data."
CHANNEL = SYSTEM_FIELDS["Channel"]
EVENT_ID = SYSTEM_FIELDS["EventID"]

#: Categories that also live in the Security log (pySigma's windows_audit_pipeline maps them).
SECURITY_CATEGORIES = frozenset(generic_logsource_to_windows_audit_event_mapping)


def event_field(name: str) -> str:
    """The event model column of a Sigma Windows field name (idempotent)."""
    if name in SYSTEM_FIELDS:
        return SYSTEM_FIELDS[name]
    if name.startswith(("winlog.", EVENT_DATA)):
        return name
    return EVENT_DATA + name


def event_model_pipeline(placeholders: dict[str, list[str]] | None = None) -> ProcessingPipeline:
    """Field names to event model columns. ``%placeholder%`` values (``|expand``) come from
    ``placeholders`` (the hub's values: admin workstations, service accounts, …); a placeholder
    without a value becomes the wildcard ``*`` (pySigma's placeholder default), so the rule loads
    and matches any value there."""
    items = [ProcessingItem(identifier="cybershield_placeholder_default", transformation=WildcardPlaceholderTransformation()),
             ProcessingItem(identifier="cybershield_event_model_fields",
                            transformation=FieldFunctionTransformation({}, event_field))]
    if placeholders:
        items.insert(0, ProcessingItem(identifier="cybershield_placeholders",
                                       transformation=ValueListPlaceholderTransformation(list(placeholders))))
    return ProcessingPipeline(name="cybershield event model", priority=100, items=items,
                              vars=dict(placeholders or {}))


def variant_pipelines(placeholders: dict[str, list[str]] | None = None) -> dict[str, ProcessingPipeline]:
    """The pipeline per variant: pySigma's log source items, then the event model mapping."""
    model = event_model_pipeline(placeholders)
    return {
        "sysmon": sysmon_pipeline() + windows_logsource_pipeline() + model,
        "security": windows_audit_pipeline() + windows_logsource_pipeline() + model,
    }


def logsource_name(rule: SigmaRule) -> str:
    """``product/service/category`` of a rule's log source, ``-`` for a part it leaves out."""
    ls = rule.logsource
    return "/".join(part or "-" for part in (ls.product, ls.service, ls.category))


def foreign_logsource(rule: SigmaRule) -> str | None:
    """Why a rule is not for this engine, or None. It reads Windows event logs: a rule for another
    product (Linux, macOS, Zeek, cloud audit logs, …) has no events here, and without the log
    source conditions that only Windows log sources get, its fields would be read in every event
    (a negated selection would fire on all of them)."""
    if rule.logsource.product == "windows":
        return None
    return f"log source {logsource_name(rule)}: not a Windows event log (the Sigma engine reads Windows event logs)"


def variants_of(rule: SigmaRule) -> list[str]:
    """Which variants a rule is processed in: every rule in ``sysmon`` (which leaves non-Sysmon
    log sources to the channel mapping), audit-capable categories also in ``security``."""
    ls = rule.logsource
    if ls.product == "windows" and ls.category in SECURITY_CATEGORIES and ls.service is None:
        return ["sysmon", "security"]
    return ["sysmon"]


def process(rule: SigmaRule | SigmaCorrelationRule, pipeline: ProcessingPipeline, copy: bool = True):
    """A processed copy of ``rule`` (pySigma pipelines change rules in place); with ``copy=False``
    the rule itself, processed (for a rule that is not used again: deep copies are costly)."""
    processed = deepcopy(rule) if copy else rule
    pipeline.apply(processed)
    return processed


def placeholder_values(data: object, source: str) -> dict[str, list[str]]:
    """Placeholder values from configuration: a mapping of names (without ``%``) to a value or a
    list of values. Raises ValueError saying what is wrong in ``source``."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: placeholders must be a mapping of names to values, not {type(data).__name__}")
    out: dict[str, list[str]] = {}
    for name, values in data.items():
        values = values if isinstance(values, list) else [values]
        if not isinstance(name, str) or not name or any(isinstance(v, (dict, list)) or v is None for v in values):
            raise ValueError(f"{source}: placeholder {name!r} must name a value or a list of values")
        out[name.strip("%")] = [str(v) for v in values]
    return out


def load_placeholders(path: Path) -> dict[str, list[str]]:
    """Placeholder values from a YAML file (a mapping of names to a value or a list of values).
    Raises ValueError with the reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read placeholders: {exc}") from None
    return placeholder_values(data, str(path))
