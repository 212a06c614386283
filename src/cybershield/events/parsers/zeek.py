"""Zeek logs: JSON streaming logs and TSV logs with a ``#fields`` header.

The log type (conn, dns, http, ssl, files, notice, …) comes from ``_path`` or ``#path`` when
present, else from the file name. Originals are kept under ``zeek.<log>.<field>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .base import Item, RecordError, loads_json_object
from .columnar import ColumnarLineParser, constant, decode_json_lines, in_range, originals_and_ecs, timestamps

_CONN_LIKE = {
    "id.orig_h": "source.ip",
    "id.orig_p": "source.port",
    "id.resp_h": "destination.ip",
    "id.resp_p": "destination.port",
    "proto": "network.transport",
    "service": "network.protocol",
    "community_id": "network.community_id",
}
# Corelight and Kafka writers name the fields with underscores (id_orig_h)
_CONN_LIKE.update({name.replace(".", "_"): ecs for name, ecs in list(_CONN_LIKE.items()) if "." in name})
#: Fields that name the log of a record: Zeek's own ``_path``, Corelight/Kafka's ``@stream``.
_LOG_FIELDS = ("_path", "@stream")

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


#: Zeek log names that a file name may carry after a prefix (NEWYORK_loaded_scripts.log).
_KNOWN_LOGS = frozenset({*_BY_LOG, *_CATEGORY, "loaded_scripts", "packet_filter", "reporter", "stats", "capture_loss",
                         "x509", "dhcp", "dpd", "known_hosts", "known_services", "known_certs", "software", "tunnel",
                         "rdp", "sip", "snmp", "smb_files", "smb_mapping", "dce_rpc", "mysql", "radius", "irc",
                         "modbus", "ocsp", "pe", "ntp", "socks", "syslog", "conn_long", "analyzer", "intel", "signatures"})


def log_type_from_name(path: Path) -> str:
    """conn.log, dns.json.gz, http.log.labeled, conn.00:00:00-01:00:00.log.gz -> conn, dns, http, conn;
    a known log name after a prefix counts (NEWYORK_loaded_scripts.log -> loaded_scripts)."""
    stem = path.name.split(".")[0].lower()
    for start in [0] + [i + 1 for i, c in enumerate(stem) if c in "_-"]:
        if stem[start:] in _KNOWN_LOGS:
            return stem[start:]
    return stem or "unknown"


def event_columns(raw: pa.Table, log: str, n: int) -> dict:
    """ECS columns plus the originals under ``zeek.<log>``, from Zeek records of one log type."""
    columns: dict = {"event.module": constant("zeek", n), "event.dataset": constant(f"zeek.{log}", n),
                     "event.kind": constant("event", n)}
    if log in _CATEGORY:
        columns["event.category"] = constant(_CATEGORY[log], n)
    columns.update(originals_and_ecs(raw, f"zeek.{log}", _CONN_LIKE, _BY_LOG.get(log, {})))
    if "ts" in raw.column_names:
        columns["@timestamp"] = timestamps(raw.column("ts"))
    duration = raw.column("duration") if "duration" in raw.column_names else None
    if duration is not None and (pa.types.is_floating(duration.type) or pa.types.is_integer(duration.type)):
        seconds = in_range(duration.cast(pa.float64()), 9.2e9)  # int64 nanoseconds: about 292 years
        columns["event.duration"] = pc.round(pc.multiply(seconds, 1e9)).cast(pa.int64())
    if log == "http" and {"host", "uri"} <= set(raw.column_names):
        uri = pc.fill_null(raw.column("uri").cast(pa.string()), "")
        columns["url.original"] = pc.binary_join_element_wise("http://", raw.column("host").cast(pa.string()), uri, "")
    rcpt_type = raw.schema.field("rcptto").type if "rcptto" in raw.column_names else None
    if log == "smtp" and pa.types.is_list(rcpt_type) and pa.types.is_string(rcpt_type.value_type):
        columns["email.to.address"] = pc.binary_join(raw.column("rcptto"), ",")
    return columns


class _ZeekParser(ColumnarLineParser):
    """What Zeek's JSON and TSV logs share: the log type, and records split by ``_path``."""

    log = "unknown"

    def normalise(self, raw: pa.Table, n: int) -> Iterator[tuple[dict, pa.Array | None]]:
        name = next((f for f in _LOG_FIELDS if f in raw.column_names), None)
        if name is None:
            yield event_columns(raw, self.log, n), None
            return
        paths = raw.column(name).cast(pa.string())
        raw = raw.drop([name])
        for log in pc.unique(paths).to_pylist():
            rows = pc.fill_null(pc.equal(paths, log), False) if log is not None else pc.is_null(paths)
            part = raw.filter(rows)
            yield event_columns(part, str(log or self.log), part.num_rows), rows


class ZeekJsonParser(_ZeekParser):
    name = "zeek-json"

    def decode_block(self, lines: list[bytes]) -> pa.Table | None:
        table = decode_json_lines(lines)
        return None if table is None or any(pa.types.is_struct(t) for t in table.schema.types) else table

    def parse_line(self, line: bytes) -> dict:
        return loads_json_object(line)

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


class ZeekTsvParser(_ZeekParser):
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
        if text.lstrip().startswith("#"):
            self._header(text.lstrip())
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
        record["_path"] = self.log
        return record
