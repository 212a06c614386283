"""All tables, one module per area; importing this package registers them on ``Base.metadata``."""

from .alerts import AlertRecord
from .base import Base
from .foundation import IngestRun, QuarantineRecord
from .hub import WarningRecord
from .intel import StixObjectRecord, TaxiiBookmark, TaxiiStatusRecord

__all__ = ["AlertRecord", "Base", "IngestRun", "QuarantineRecord", "StixObjectRecord", "TaxiiBookmark", "TaxiiStatusRecord",
           "WarningRecord"]
