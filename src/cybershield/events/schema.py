"""The normalised event: Elastic Common Schema field names over an Arrow schema.

A batch of events is a ``pyarrow.Table`` whose first columns are always ``ECS_SCHEMA`` (in
that order, null where a source has no such field), followed by the source's original fields
under their namespace (``winlog.event_data.Image``, ``zeek.conn.history``, ``suricata.alert.gid``…)
so that nothing is lost and Sigma rules can still see the original names.
"""

from __future__ import annotations

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")

#: Provenance: where an event came from. ``record_id`` is the EVTX EventRecordID, else the
#: 1-based line (or record) number in its source.
PROVENANCE_SOURCE = "event.provenance.source"
PROVENANCE_RECORD_ID = "event.provenance.record_id"

ECS_FIELDS: list[tuple[str, pa.DataType]] = [
    ("@timestamp", TIMESTAMP),
    ("event.ingested", TIMESTAMP),
    (PROVENANCE_SOURCE, pa.string()),
    (PROVENANCE_RECORD_ID, pa.int64()),
    ("event.module", pa.string()),
    ("event.dataset", pa.string()),
    ("event.kind", pa.string()),
    ("event.category", pa.string()),
    ("event.action", pa.string()),
    ("event.code", pa.string()),
    ("event.outcome", pa.string()),
    ("event.severity", pa.int64()),
    ("event.duration", pa.int64()),  # nanoseconds, as ECS says
    ("message", pa.string()),
    ("log.level", pa.string()),
    ("observer.vendor", pa.string()),
    ("observer.product", pa.string()),
    ("host.name", pa.string()),
    ("host.hostname", pa.string()),
    ("user.name", pa.string()),
    ("user.domain", pa.string()),
    ("source.ip", pa.string()),
    ("source.domain", pa.string()),
    ("source.port", pa.int64()),
    ("source.bytes", pa.int64()),
    ("source.packets", pa.int64()),
    ("destination.ip", pa.string()),
    ("destination.domain", pa.string()),
    ("destination.port", pa.int64()),
    ("destination.bytes", pa.int64()),
    ("destination.packets", pa.int64()),
    ("network.transport", pa.string()),
    ("network.protocol", pa.string()),
    ("network.community_id", pa.string()),
    ("dns.question.name", pa.string()),
    ("dns.question.type", pa.string()),
    ("dns.response_code", pa.string()),
    ("url.original", pa.string()),
    ("url.domain", pa.string()),
    ("url.path", pa.string()),
    ("http.request.method", pa.string()),
    ("http.response.status_code", pa.int64()),
    ("user_agent.original", pa.string()),
    ("tls.client.server_name", pa.string()),
    ("tls.client.ja3", pa.string()),
    ("tls.server.ja3s", pa.string()),
    ("tls.version", pa.string()),
    ("file.name", pa.string()),
    ("file.path", pa.string()),
    ("file.size", pa.int64()),
    ("file.hash.md5", pa.string()),
    ("file.hash.sha1", pa.string()),
    ("file.hash.sha256", pa.string()),
    ("process.pid", pa.int64()),
    ("process.name", pa.string()),
    ("process.executable", pa.string()),
    ("process.command_line", pa.string()),
    ("process.parent.pid", pa.int64()),
    ("process.parent.executable", pa.string()),
    ("process.parent.command_line", pa.string()),
    ("registry.path", pa.string()),
    ("email.from.address", pa.string()),
    ("email.to.address", pa.string()),
    ("email.subject", pa.string()),
    ("rule.id", pa.string()),
    ("rule.name", pa.string()),
    ("rule.category", pa.string()),
    ("winlog.channel", pa.string()),
    ("winlog.provider_name", pa.string()),
    ("winlog.event_id", pa.int64()),
    ("winlog.record_id", pa.int64()),
    ("winlog.computer_name", pa.string()),
]

ECS_SCHEMA = pa.schema([pa.field(name, typ) for name, typ in ECS_FIELDS])
ECS_NAMES = frozenset(ECS_SCHEMA.names)
