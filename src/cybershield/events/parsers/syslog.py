"""Syslog: RFC 5424 and the BSD format of RFC 3164; originals under ``syslog.*``.

RFC 3164 stamps carry no year: the year is the one that puts the stamp at most a day after the
file's last modification (so a December log read in January lands in December of last year).
Lines written by a local daemon without the ``<PRI>`` part are read as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .base import Item, LineParser, RecordError, iso_to_us

SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug")
_NIL = "-"

_RFC5424 = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?(?P<version>\d{1,2}) (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    r"(?P<msgid>\S+) (?P<rest>.*)$", re.DOTALL)
_SD_ELEMENT = re.compile(r'\[(?P<id>[^\s\]=]+)(?P<params>(?:\s+[^\s=\]]+="(?:[^"\\]|\\.)*")*)\s*\]')
_SD_PARAM = re.compile(r'([^\s=\]]+)="((?:[^"\\]|\\.)*)"')
_SD_UNESCAPE = re.compile(r'\\(["\\\]])')

_RFC3164 = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?:(?P<host>[^\s:\[]+) )?"
    r"(?:(?P<tag>[^\s:\[]{1,48})(?:\[(?P<pid>[^\]]*)\])?: ?)?(?P<msg>.*)$", re.DOTALL)


def _text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError("invalid-utf8", f"not valid UTF-8 at byte {exc.start}") from None


def _priority(fields: dict, pri: str | None) -> None:
    if pri is None:
        return
    value = int(pri)
    if value > 191:
        raise RecordError("bad-priority", f"priority {value} is above 191")
    fields["syslog.facility"] = value >> 3
    fields["syslog.severity"] = value & 7
    fields["log.level"] = SEVERITIES[value & 7]


def _common(host: str | None, app: str | None, pid: str | None, message: str) -> dict:
    fields: dict = {"event.module": "syslog", "event.kind": "event", "message": message}
    if host and host != _NIL:
        fields["host.hostname"] = fields["host.name"] = fields["syslog.hostname"] = host
    if app and app != _NIL:
        fields["process.name"] = fields["syslog.appname"] = app
    if pid and pid != _NIL:
        fields["syslog.procid"] = pid
        if pid.isdigit():
            fields["process.pid"] = int(pid)
    return fields


def structured_data(rest: str) -> tuple[dict[str, dict[str, str]], str]:
    """RFC 5424 STRUCTURED-DATA (or its nil ``-``) and the MSG after it."""
    if rest.startswith(_NIL) and (len(rest) == 1 or rest[1] == " "):
        return {}, rest[2:]
    elements: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(rest) and rest[pos] == "[":
        match = _SD_ELEMENT.match(rest, pos)
        if match is None:
            raise RecordError("bad-structured-data", f"structured data does not parse at column {pos}")
        elements[match["id"]] = {k: _SD_UNESCAPE.sub(r"\1", v) for k, v in _SD_PARAM.findall(match["params"])}
        pos = match.end()
    if pos == 0:
        raise RecordError("bad-structured-data", "neither structured data nor '-' after the header")
    return elements, rest[pos + 1:] if rest[pos:pos + 1] == " " else rest[pos:]


class Syslog5424Parser(LineParser):
    name = "syslog-5424"

    def parse_line(self, line: bytes) -> dict:
        match = _RFC5424.match(_text(line))
        if match is None or match["version"] != "1":
            raise RecordError("not-syslog-5424", "no RFC 5424 header (<PRI>1 TIMESTAMP HOST APP PROCID MSGID)")
        elements, message = structured_data(match["rest"])
        message = message.removeprefix("\ufeff")
        fields = _common(match["host"], match["app"], match["procid"], message)
        fields["event.dataset"] = "syslog.rfc5424"
        _priority(fields, match["pri"])
        if match["ts"] != _NIL:
            try:
                fields["@timestamp"] = iso_to_us(match["ts"])
            except ValueError:
                raise RecordError("bad-timestamp", f"{match['ts'][:40]!r} is not an RFC 3339 time") from None
        if match["msgid"] != _NIL:
            fields["syslog.msgid"] = fields["event.action"] = match["msgid"]
        for sd_id, params in elements.items():
            for key, value in params.items():
                fields[f"syslog.sd.{sd_id}.{key}"] = value
        return fields


class Syslog3164Parser(LineParser):
    name = "syslog-3164"

    def __init__(self) -> None:
        self.reference = datetime.now(UTC)

    def records(self, path: Path, source: str) -> Iterator[Item]:
        try:
            self.reference = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            self.reference = datetime.now(UTC)
        return super().records(path, source)

    def _timestamp(self, text: str) -> int:
        try:
            stamp = datetime.strptime(f"{self.reference.year} {' '.join(text.split())}", "%Y %b %d %H:%M:%S")
        except ValueError:
            raise RecordError("bad-timestamp", f"{text!r} is not a valid date") from None
        stamp = stamp.replace(tzinfo=UTC)
        if (stamp - self.reference).days >= 1:
            stamp = stamp.replace(year=stamp.year - 1)
        return int(stamp.timestamp()) * 1_000_000

    def parse_line(self, line: bytes) -> dict:
        match = _RFC3164.match(_text(line))
        if match is None:
            raise RecordError("not-syslog-3164", "no RFC 3164 header (<PRI>Mmm dd hh:mm:ss HOST TAG: MSG)")
        fields = _common(match["host"], match["tag"], match["pid"], match["msg"])
        fields["event.dataset"] = "syslog.rfc3164"
        _priority(fields, match["pri"])
        fields["@timestamp"] = self._timestamp(match["ts"])
        return fields
