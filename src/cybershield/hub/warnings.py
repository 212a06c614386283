"""Acting on an early warning: its indicators go into detection at once and the archive is retro-hunted.

A warning is a STIX 2.1 ``report`` (from a cross-border hub) with its indicators: a bundle holding the
report and the objects it lists, or the report alone when the indicators already are in the intel store.
Applying it stores the objects (validated, with the sender as origin), reloads the live indicator
detector from the store and records the warning, which is listed from then on; then it retro-hunts the
archive over the retention, sends the hits (alerts of kind ``retro-hunt`` naming the report) the way
every alert goes, and records their count on the warning (0 until then). A warning is applied once: the
same report id again changes nothing; a retro-hunt that fails takes the record back, so that the
sender's retry applies the warning again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..detect import IndicatorDetector
from ..storage import WarningRecord, count_retro_hunt, forget_warning, store_warning, warning_known
from .archive import retro_hunt
from .context import HubContext
from .errors import HubError
from .pipeline import Pipeline


class BadWarning(HubError):
    """What was given as a warning is not a STIX report (or a bundle with exactly one)."""


@dataclass(frozen=True)
class WarningMessage:
    """A warning on the bus's ``warnings`` subject (what the federation's receiver publishes): the
    document (a bundle with one report, or the report) and the hub that sent it."""

    document: object
    sender: str | None = None


@dataclass(frozen=True)
class AppliedWarning:
    """What applying a warning did: ``new`` is False when it had been applied before (nothing was done)."""

    id: str
    name: str
    new: bool
    indicators: int = 0
    stored: int = 0
    rejected: int = 0
    retro_hunt_alerts: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def warning_objects(document: object) -> tuple[dict, list[dict]]:
    """The report and every object of ``document`` (a bundle, a list of objects or a report)."""
    if isinstance(document, dict) and document.get("type") == "bundle":
        objects = document.get("objects")
    elif isinstance(document, dict):
        objects = [document]
    else:
        objects = document
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise BadWarning("a warning is a STIX 2.1 report, or a bundle (or list) of objects with one report")
    reports = [o for o in objects if o.get("type") == "report"]
    if len(reports) != 1 or not isinstance(reports[0].get("id"), str):
        raise BadWarning(f"a warning holds exactly one STIX report with an id; this one holds {len(reports)}")
    return reports[0], objects


def apply_warning(context: HubContext, pipeline: Pipeline, live: IndicatorDetector, document: object,
                  sender: str | None = None) -> AppliedWarning:
    """Apply the warning in ``document`` (see the module); ``live`` is the pipeline's indicator detector."""
    report, objects = warning_objects(document)
    name = str(report.get("name") or report["id"])
    if warning_known(context.sessions, report["id"]):
        return AppliedWarning(report["id"], name, new=False)
    result = context.store.add(objects, origin=sender)
    live.reload(context.store.active_indicators())  # at once, not at the next look for store changes
    listed = set(report.get("object_refs") or ())
    carried = {o["id"]: o for o in objects if o.get("type") == "indicator" and o.get("id") in listed}
    for ref in listed - set(carried):
        if ref.startswith("indicator--") and (known := context.store.get(ref)) is not None:
            carried[ref] = known
    record = WarningRecord(id=report["id"], sender=sender, name=name, received=datetime.now(UTC),
                           indicators=len(carried), retro_hunt_alerts=0, document=report)
    if not store_warning(context.sessions, record):  # listed from now on: the retro-hunt's alerts follow
        return AppliedWarning(report["id"], name, new=False)  # applied by a concurrent delivery meanwhile
    try:
        hits = retro_hunt(context.archive, carried.values(), report["id"])
    except BaseException:
        forget_warning(context.sessions, report["id"])  # not applied after all: the sender's retry applies it
        raise
    if hits:
        pipeline.publish_alerts(hits)
        count_retro_hunt(context.sessions, report["id"], len(hits))
    context.counters.add("warnings")
    counts = result.counts
    return AppliedWarning(report["id"], name, True, len(carried), counts["stored"] + counts["updated"],
                          counts["rejected"], len(hits))
