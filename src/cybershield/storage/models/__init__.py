"""All tables, one module per area; importing this package registers them on ``Base.metadata``."""

from .alerts import AlertRecord
from .base import Base
from .foundation import IngestRun, QuarantineRecord
from .hub import WarningRecord
from .intel import StixObjectRecord, TaxiiBookmark, TaxiiStatusRecord
from .response import (
    AuditEntryRecord,
    AuditHeadRecord,
    IncidentAlertRecord,
    IncidentRecord,
    ReserveProviderRecord,
    ReserveRequestRecord,
    SubmissionRecord,
)

__all__ = ["AlertRecord", "AuditEntryRecord", "AuditHeadRecord", "Base", "IncidentAlertRecord", "IncidentRecord",
           "IngestRun", "QuarantineRecord", "ReserveProviderRecord", "ReserveRequestRecord", "StixObjectRecord",
           "SubmissionRecord", "TaxiiBookmark", "TaxiiStatusRecord", "WarningRecord"]
