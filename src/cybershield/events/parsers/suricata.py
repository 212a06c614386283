"""Suricata EVE JSON (alert, flow, dns, http, tls, fileinfo, anomaly, …); originals under ``suricata.<event_type>``."""

from __future__ import annotations

from .base import LineParser, flatten, iso_to_us, loads_json_object

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

_KIND = {"alert": "alert", "anomaly": "alert"}


class SuricataEveParser(LineParser):
    name = "suricata-eve"

    def parse_line(self, line: bytes) -> dict:
        record = loads_json_object(line)
        event_type = str(record.get("event_type", "unknown"))
        flat = flatten(record, "", {})
        fields: dict = {
            "event.module": "suricata",
            "event.dataset": f"suricata.{event_type}",
            "event.kind": _KIND.get(event_type, "event"),
        }
        ts = record.get("timestamp")
        if isinstance(ts, str):
            fields["@timestamp"] = iso_to_us(ts)
        proto = record.get("proto")
        if isinstance(proto, str):
            fields["network.transport"] = proto.lower()
        for key, value in flat.items():
            fields[f"suricata.{key}"] = value
            ecs = _COMMON.get(key) or _NESTED.get(key)
            if ecs is not None and value is not None:
                fields[ecs] = str(value) if ecs == "rule.id" else value
        if fields.get("url.domain") and fields.get("url.path"):
            fields["url.original"] = f"http://{fields['url.domain']}{fields['url.path']}"
        return fields
