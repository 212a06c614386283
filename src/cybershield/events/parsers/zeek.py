"""Zeek logs: JSON streaming logs and TSV logs with a ``#fields`` header.

The log type (conn, dns, http, ssl, files, notice, …) comes from ``_path`` or ``#path`` when
present, else from the file name. Originals are kept under ``zeek.<log>.<field>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .base import Item, LineParser, RecordError, epoch_to_us, iso_to_us, loads_json_object

_CONN_LIKE = {
    "id.orig_h": "source.ip",
    "id.orig_p": "source.port",
    "id.resp_h": "destination.ip",
    "id.resp_p": "destination.port",
    "proto": "network.transport",
    "service": "network.protocol",
    "community_id": "network.community_id",
}

#: Zeek field -> ECS field, per log type (on top of the connection fields above).
_BY_LOG: dict[str, dict[str, str]] = {
    "conn": {"orig_bytes": "source.bytes", "resp_bytes": "destination.bytes",
             "orig_pkts": "source.packets", "resp_pkts": "destination.packets"},
    "dns": {"query": "dns.question.name", "qtype_name": "dns.question.type", "rcode_name": "dns.response_code"},
    "http": {"method": "http.request.method", "host": "url.domain", "uri": "url.path",
             "user_agent": "user_agent.original", "status_code": "http.response.status_code"},
    "ssl": {"server_name": "tls.client.server_name", "version": "tls.version", "ja3": "tls.client.ja3",
            "ja3s": "tls.server.ja3s"},
    "files": {"md5": "file.hash.md5", "sha1": "file.hash.sha1", "sha256": "file.hash.sha256",
              "filename": "file.name", "seen_bytes": "file.size"},
    "notice": {"note": "rule.name", "msg": "message"},
    "weird": {"name": "rule.name"},
    "smtp": {"mailfrom": "email.from.address", "subject": "email.subject", "user_agent": "user_agent.original"},
    "ssh": {"client": "user_agent.original"},
    "ntlm": {"username": "user.name", "domainname": "user.domain"},
    "kerberos": {"client": "user.name"},
    "ftp": {"user": "user.name", "command": "event.action"},
}

_CATEGORY = {"conn": "network", "dns": "network", "http": "web", "ssl": "network", "files": "file",
             "notice": "intrusion_detection", "weird": "network", "smtp": "email"}


def log_type_from_name(path: Path) -> str:
    """conn.log, dns.json.gz, http.log.labeled, conn.00:00:00-01:00:00.log.gz -> conn, dns, http, conn."""
    return path.name.split(".")[0].lower() or "unknown"


def to_event(log: str, record: dict) -> dict:
    """ECS fields plus the originals under ``zeek.<log>``, from one flat Zeek record."""
    fields: dict = {"event.module": "zeek", "event.dataset": f"zeek.{log}", "event.kind": "event"}
    category = _CATEGORY.get(log)
    if category:
        fields["event.category"] = category
    ts = record.get("ts")
    if isinstance(ts, (int, float)):
        fields["@timestamp"] = epoch_to_us(ts)
    elif isinstance(ts, str):
        fields["@timestamp"] = _ts_text(ts)
    duration = record.get("duration")
    if isinstance(duration, (int, float)):
        fields["event.duration"] = int(duration * 1e9)
    mapping = _BY_LOG.get(log, {})
    for key, value in record.items():
        fields[f"zeek.{log}.{key}"] = value
        ecs = _CONN_LIKE.get(key) or mapping.get(key)
        if ecs is not None and value is not None:
            fields[ecs] = value
    if log == "http" and record.get("host"):
        fields["url.original"] = f"http://{record['host']}{record.get('uri') or ''}"
    if log == "smtp" and record.get("rcptto"):
        rcpt = record["rcptto"]
        fields["email.to.address"] = ",".join(rcpt) if isinstance(rcpt, list) else rcpt
    return fields


def _ts_text(text: str) -> int:
    try:
        return epoch_to_us(text)
    except ValueError:
        return iso_to_us(text)


class ZeekJsonParser(LineParser):
    name = "zeek-json"

    def __init__(self, log: str = "unknown"):
        self.log = log

    def parse_line(self, line: bytes) -> dict:
        record = loads_json_object(line)
        return to_event(str(record.pop("_path", self.log)), record)

    def records(self, path: Path, source: str) -> Iterator[Item]:
        self.log = log_type_from_name(path)
        return super().records(path, source)


_UNSET = "-"


def _converter(zeek_type: str):
    if zeek_type in ("count", "int", "port"):
        return int
    if zeek_type in ("double", "interval", "time"):
        return float
    if zeek_type == "bool":
        return lambda v: v == "T"
    return None


class ZeekTsvParser(LineParser):
    """Zeek's default log format; the header may appear again inside a file (log rotation)."""

    name = "zeek-tsv"

    def __init__(self):
        self.log = "unknown"
        self.separator = "\t"
        self.set_separator = ","
        self.empty = "(empty)"
        self.unset = _UNSET
        self.fields: list[str] | None = None
        self.converters: list = []
        self.containers: list[bool] = []

    def records(self, path: Path, source: str) -> Iterator[Item]:
        self.__init__()
        self.log = log_type_from_name(path)
        return super().records(path, source)

    def _header(self, text: str) -> None:
        if text.startswith("#separator"):
            sep = text.split(" ", 1)[1] if " " in text else "\\x09"
            self.separator = sep.encode().decode("unicode_escape")
            return
        key, _, value = text[1:].partition(self.separator)
        if key == "set_separator":
            self.set_separator = value
        elif key == "empty_field":
            self.empty = value
        elif key == "unset_field":
            self.unset = value
        elif key == "path":
            self.log = value
        elif key == "fields":
            self.fields = value.split(self.separator)
            self.converters = [None] * len(self.fields)
            self.containers = [False] * len(self.fields)
        elif key == "types" and self.fields is not None:
            types = value.split(self.separator)
            self.converters = [_converter(t) for t in types]
            self.containers = [t.startswith(("set[", "vector[")) for t in types]

    def parse_line(self, line: bytes) -> dict | None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError("invalid-utf8", f"not valid UTF-8 at byte {exc.start}") from None
        if text.startswith("#"):
            self._header(text)
            return None
        if self.fields is None:
            raise RecordError("missing-header", "Zeek TSV record before any #fields header")
        values = text.split(self.separator)
        if len(values) != len(self.fields):
            raise RecordError("bad-field-count", f"{len(values)} fields where the header names {len(self.fields)}")
        record: dict = {}
        for name, raw, conv, container in zip(self.fields, values, self.converters, self.containers, strict=True):
            if raw == self.unset:
                record[name] = None
            elif container:
                record[name] = [] if raw == self.empty else raw.split(self.set_separator)
            elif raw == self.empty:
                record[name] = ""
            elif conv is None:
                record[name] = raw
            else:
                try:
                    record[name] = conv(raw)
                except ValueError:
                    raise RecordError("bad-value", f"field {name!r}: {raw[:40]!r} is not a valid value") from None
        return to_event(self.log, record)
