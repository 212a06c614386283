"""Recognising a source's format from its first bytes (``--format`` overrides)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from .parsers.windows_csv import is_evtxecmd_header
from .parsers.windows_xml import XML_EVENTS_START
from .readers import head_bytes

EVTX_MAGIC = b"ElfFile\x00"
_SYSLOG_5424 = re.compile(rb"^<\d{1,3}>1 ")
_SYSLOG_3164 = re.compile(rb"^(<\d{1,3}>)?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ")


def _first_line(head: bytes) -> bytes:
    for line in head.splitlines():
        if line.strip():
            return line.strip()
    return b""


_ZEEK_KEYS = ("id.orig_h", "id_orig_h", "_path", "@stream", "ts", "uid")


def _json_format(obj: dict) -> str | None:
    """The format of one JSON record, from its keys alone (never from the file's name)."""
    if "event_type" in obj and ("src_ip" in obj or "timestamp" in obj):
        return "suricata-eve"
    source = obj.get("_source")
    if isinstance(source, dict) and "_index" in obj:  # an Elasticsearch/OpenSearch hit of Windows events
        return "evtx-json" if _json_format(source) == "evtx-json" else None
    if any(isinstance(obj.get(key), dict) for key in ("Event", "winlog", "System")) or "EventID" in obj \
            or ("EventId" in obj and "Channel" in obj):  # evtx_dump, winlogbeat, Velociraptor, flat, EvtxECmd
        return "evtx-json"
    if any(key in obj for key in _ZEEK_KEYS):  # every Zeek log has ts (files, x509, arp too) but loaded_scripts
        return "zeek-json"
    name = obj.get("name")
    if len(obj) == 1 and isinstance(name, str) and name.endswith((".zeek", ".bro", "/")):  # loaded_scripts
        return "zeek-json"
    return None


def sniff(path: Path) -> str | None:
    """The format name of a file, or None when it is not one we read."""
    head = head_bytes(path)
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    line = _first_line(head)
    if not line:
        return None
    if XML_EVENTS_START.match(head):
        return "evtx-xml"
    if line.startswith(b"#separator"):
        return "zeek-tsv"
    if line.startswith(b"{"):
        try:
            obj = orjson.loads(line)
            return _json_format(obj) if isinstance(obj, dict) else None
        except orjson.JSONDecodeError:
            # pretty-printed JSON: look for a known key in the head
            return "evtx-json" if b'"Event"' in head or b'"EventID"' in head else None
    if line.startswith(b"["):
        return "evtx-json" if b'"Event"' in head or b'"EventID"' in head else None
    if b"CEF:" in line[:200]:
        return "cef"
    if _SYSLOG_5424.match(line):
        return "syslog-5424"
    if _SYSLOG_3164.match(line):
        return "syslog-3164"
    if is_evtxecmd_header(line):
        return "evtxecmd-csv"
    if b"Flow ID" in line and b"Dst Port" in line:
        return "cicflowmeter"
    if b"IPV4_SRC_ADDR" in line and b"L4_DST_PORT" in line:
        return "netflow-v2"
    return None
