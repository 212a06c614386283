"""ArcSight Common Event Format (CEF), bare or behind a syslog header; originals under ``cef.*``.

``CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension``:
the header escapes ``\\|`` and ``\\\\``; the extension is ``key=value`` pairs whose values may hold
spaces and escape ``\\=``, ``\\\\``, ``\\n`` and ``\\r``. Custom string fields (``cs1``…) are also
kept under the name their ``cs1Label`` gives them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .base import LineParser, RecordError, to_int

_HEADER_FIELDS = ("version", "device_vendor", "device_product", "device_version", "signature_id", "name", "severity")
_HEADER_SPLIT = re.compile(r"(?<!\\)((?:\\\\)*)\|")
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z0-9_.\[\]-]+)=")
_EXT_UNESCAPE = re.compile(r"\\([=\\nr|])")
_EXT_ESCAPES = {"=": "=", "\\": "\\", "n": "\n", "r": "\r", "|": "|"}
_SEVERITY_WORDS = {"unknown": 0, "low": 2, "medium": 5, "high": 8, "very-high": 10}

#: CEF extension key -> ECS field.
_EXT_ECS = {
    "src": "source.ip", "spt": "source.port", "dst": "destination.ip", "dpt": "destination.port",
    "suser": "user.name", "sntdom": "user.domain", "shost": "source.domain", "dhost": "destination.domain",
    "dvchost": "host.name", "proto": "network.transport", "act": "event.action", "outcome": "event.outcome",
    "msg": "message", "request": "url.original", "requestMethod": "http.request.method",
    "requestClientApplication": "user_agent.original", "fname": "file.name", "filePath": "file.path",
    "fsize": "file.size", "fileHash": "file.hash.sha256", "in": "source.bytes", "out": "destination.bytes",
    "sproc": "process.name", "spid": "process.pid", "cat": "event.category",
}
_INT_ECS = {"source.port", "destination.port", "file.size", "source.bytes", "destination.bytes", "process.pid"}


def split_header(text: str) -> list[str]:
    """The seven header fields and the extension, with ``\\|`` and ``\\\\`` unescaped."""
    parts, start = [], 0
    for match in _HEADER_SPLIT.finditer(text):
        parts.append(text[start:match.end() - 1])
        start = match.end()
        if len(parts) == 7:
            break
    parts.append(text[start:])
    return [p.replace("\\|", "|").replace("\\\\", "\\") for p in parts[:7]] + parts[7:]


def extension(text: str) -> dict[str, str]:
    """``key=value`` pairs; a value runs until the next unescaped `` key=``."""
    keys = [m for m in _KEY.finditer(text) if not _escaped(text, m.end() - 1)]
    out = {}
    for i, match in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(text)
        out[match[1]] = _EXT_UNESCAPE.sub(lambda m: _EXT_ESCAPES[m[1]], text[match.end():end].rstrip(" "))
    return out


def _escaped(text: str, pos: int) -> bool:
    backslashes = 0
    while pos - backslashes - 1 >= 0 and text[pos - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def receipt_time(value: str) -> int | None:
    """CEF ``rt``/``start``/``end``: epoch milliseconds or ``MMM dd yyyy HH:mm:ss(.SSS)``."""
    if value.isdigit():
        return int(value) * 1000
    for fmt in ("%b %d %Y %H:%M:%S.%f", "%b %d %Y %H:%M:%S"):
        try:
            return int(datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp() * 1_000_000)
        except ValueError:
            pass
    return None


class CefParser(LineParser):
    name = "cef"

    def parse_line(self, line: bytes) -> dict:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError("invalid-utf8", f"not valid UTF-8 at byte {exc.start}") from None
        start = text.find("CEF:")
        if start < 0:
            raise RecordError("not-cef", "no 'CEF:' in the line")
        parts = split_header(text[start + 4:])
        if len(parts) < 7:
            raise RecordError("bad-cef-header", f"{len(parts)} of the 7 header fields")
        header = dict(zip(_HEADER_FIELDS, parts, strict=False))
        fields: dict = {"event.module": "cef", "event.kind": "alert", "event.dataset": "cef",
                        "observer.vendor": header["device_vendor"], "observer.product": header["device_product"],
                        "event.code": header["signature_id"], "rule.id": header["signature_id"],
                        "rule.name": header["name"]}
        for key, value in header.items():
            fields[f"cef.{key}"] = value
        if start:
            fields["cef.syslog_header"] = text[:start].rstrip()
        severity = header["severity"].strip()
        fields["event.severity"] = to_int(severity) if severity.isdigit() else _SEVERITY_WORDS.get(severity.lower())
        ext = extension(parts[7]) if len(parts) > 7 else {}
        labels = {k[:-5]: v for k, v in ext.items() if k.endswith("Label")}
        for key, value in ext.items():
            fields[f"cef.extension.{key}"] = value
            if key in labels:
                fields[f"cef.label.{labels[key]}"] = value
            ecs = _EXT_ECS.get(key)
            if ecs is not None:
                fields[ecs] = to_int(value) if ecs in _INT_ECS else value
        stamp = ext.get("rt") or ext.get("end") or ext.get("start")
        if stamp:
            fields["@timestamp"] = receipt_time(stamp)
        return fields
