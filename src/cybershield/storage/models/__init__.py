"""All tables, one module per area; importing this package registers them on ``Base.metadata``."""

from .alerts import AlertRecord
from .base import Base
from .exchange import EnvelopeNonce
from .foundation import IngestRun, QuarantineRecord
from .hub import WarningRecord
from .intel import IntelClock, StixObjectRecord, TaxiiBookmark, TaxiiStatusRecord
from .network import NetworkSightingRecord, NetworkWarningRecord, OutboxRecord
from .pqc import PqcReadinessShared, PqcSnapshot
from .response import (
    AuditEntryRecord,
    AuditHeadRecord,
    IncidentAlertRecord,
    IncidentRecord,
    ReserveProviderRecord,
    ReserveRequestRecord,
    SubmissionRecord,
)
from .shared_incidents import SharedIncidentRecord

__all__ = [  # one name a line: areas add theirs without touching the others'
    "AlertRecord",
    "AuditEntryRecord",
    "AuditHeadRecord",
    "Base",
    "EnvelopeNonce",
    "IncidentAlertRecord",
    "IncidentRecord",
    "IngestRun",
    "IntelClock",
    "NetworkSightingRecord",
    "NetworkWarningRecord",
    "OutboxRecord",
    "PqcReadinessShared",
    "PqcSnapshot",
    "QuarantineRecord",
    "ReserveProviderRecord",
    "ReserveRequestRecord",
    "SharedIncidentRecord",
    "StixObjectRecord",
    "SubmissionRecord",
    "TaxiiBookmark",
    "TaxiiStatusRecord",
    "WarningRecord",
]
