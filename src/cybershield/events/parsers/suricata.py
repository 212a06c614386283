"""Suricata EVE JSON (alert, flow, dns, http, tls, fileinfo, anomaly, …); originals under ``suricata.<event_type>``."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from .base import flatten, loads_json_object
from .columnar import (
    ColumnarLineParser,
    constant,
    decode_json_lines,
    flatten_structs,
    originals_and_ecs,
    timestamps,
)

_COMMON = {
    "src_ip": "source.ip",
    "src_port": "source.port",
    "dest_ip": "destination.ip",
    "dest_port": "destination.port",
    "app_proto": "network.protocol",
    "community_id": "network.community_id",
}

_NESTED = {
    "alert.signature_id": "rule.id",
    "alert.signature": "rule.name",
    "alert.category": "rule.category",
    "alert.severity": "event.severity",
    "alert.action": "event.action",
    "flow.bytes_toserver": "source.bytes",
    "flow.bytes_toclient": "destination.bytes",
    "flow.pkts_toserver": "source.packets",
    "flow.pkts_toclient": "destination.packets",
    "dns.rrname": "dns.question.name",
    "dns.rrtype": "dns.question.type",
    "dns.rcode": "dns.response_code",
    "http.hostname": "url.domain",
    "http.url": "url.path",
    "http.http_method": "http.request.method",
    "http.http_user_agent": "user_agent.original",
    "http.status": "http.response.status_code",
    "tls.sni": "tls.client.server_name",
    "tls.version": "tls.version",
    "tls.ja3.hash": "tls.client.ja3",
    "tls.ja3s.hash": "tls.server.ja3s",
    "fileinfo.filename": "file.name",
    "fileinfo.size": "file.size",
    "fileinfo.md5": "file.hash.md5",
    "fileinfo.sha1": "file.hash.sha1",
    "fileinfo.sha256": "file.hash.sha256",
    "smtp.mail_from": "email.from.address",
}

_ALERT_TYPES = pa.array(["alert", "anomaly"])


class SuricataEveParser(ColumnarLineParser):
    name = "suricata-eve"

    def decode_block(self, lines: list[bytes]) -> pa.Table | None:
        table = decode_json_lines(lines)
        return None if table is None else flatten_structs(table)

    def parse_line(self, line: bytes) -> dict:
        return flatten(loads_json_object(line), "", {})

    def normalise(self, raw: pa.Table, n: int) -> Iterator[tuple[dict, pa.Array | None]]:
        names = set(raw.column_names)
        event_type = (pc.fill_null(raw.column("event_type").cast(pa.string()), "unknown") if "event_type" in names
                      else constant("unknown", n))
        columns: dict = {
            "event.module": constant("suricata", n),
            "event.dataset": pc.binary_join_element_wise("suricata.", event_type, ""),
            "event.kind": pc.if_else(pc.is_in(event_type, _ALERT_TYPES), "alert", "event"),
            **originals_and_ecs(raw, "suricata", _COMMON, _NESTED),
        }
        if "timestamp" in names:
            columns["@timestamp"] = timestamps(raw.column("timestamp"))
        if "proto" in names and pa.types.is_string(raw.column("proto").type):
            columns["network.transport"] = pc.utf8_lower(raw.column("proto"))
        if {"http.hostname", "http.url"} <= names:
            columns["url.original"] = pc.binary_join_element_wise(
                "http://", raw.column("http.hostname").cast(pa.string()), raw.column("http.url").cast(pa.string()), "")
        yield columns, None
