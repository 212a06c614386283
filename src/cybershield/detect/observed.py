"""What an alert's events showed: the values of a few ECS fields (addresses, names, URLs, hashes) of the events
it matched, kept in ``alert.context["observed"]`` so that later stages (sharing, hunting) need not find the
events again. Only these fields are copied, at most :data:`MAX_EVENTS` events an alert."""

from __future__ import annotations

import pyarrow as pa

from ..events.schema import PROVENANCE_RECORD_ID, PROVENANCE_SOURCE
from .alerts import Alert

OBSERVED_FIELDS = ("source.ip", "destination.ip", "dns.question.name", "url.full", "url.domain",
                   "tls.client.server_name", "file.hash.sha256", "file.hash.sha1", "file.hash.md5",
                   "email.from.address")
MAX_EVENTS = 20


def attach_observed(alerts: list[Alert], table: pa.Table | None) -> None:
    """Set ``context["observed"]`` of each alert from the rows of ``table`` its events point to."""
    wanted = {(e.source, e.record_id) for a in alerts for e in a.events[:MAX_EVENTS]}
    if not wanted or table is None or PROVENANCE_SOURCE not in table.column_names:
        return
    columns = [c for c in OBSERVED_FIELDS if c in table.column_names]
    if not columns:
        return
    sources = table.column(PROVENANCE_SOURCE).to_pylist()
    records = table.column(PROVENANCE_RECORD_ID).to_pylist()
    rows = [i for i, key in enumerate(zip(sources, records, strict=True)) if key in wanted]
    if not rows:
        return
    picked = table.select(columns).take(pa.array(rows, pa.int64())).to_pylist()
    by_event = {(sources[i], records[i]): {k: v for k, v in row.items() if v is not None}
                for i, row in zip(rows, picked, strict=True)}
    for alert in alerts:
        seen = [by_event[(e.source, e.record_id)] for e in alert.events[:MAX_EVENTS] if (e.source, e.record_id) in by_event]
        if any(seen):
            alert.context.setdefault("observed", [s for s in seen if s])
