"""Distinct, realistic Windows events as JSON lines, from the real EVTX attack samples.

The 6,011 real events (every channel: Sysmon, Security, PowerShell, BITS, RDP, …) are written
once as they are and then again as many times as needed, each copy as if logged on another host
of a fleet at another time: host name, record number, timestamps, process and thread ids,
process GUIDs, logon ids, hashes and the user profile in paths and user names change; what the
attack did (images, command lines apart from the profile, registry keys, EventIDs) stays. So no
two events are the same and most columns have many distinct values, as in a day of real logs.

Two shapes: ``nxlog`` (flat: ``EventID``, ``Channel``, ``Hostname``, ``SourceName``,
``EventTime``, the EventData names at the top level, as NXLog, Mordor/OTRF and Sysmon-as-JSON
ship it) and ``winlogbeat`` (``winlog.event_data.*`` nested, ``@timestamp``).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import evtx
import orjson

_PROFILE = re.compile(r"(?i)(\\users\\)([^\\\"' ]+)")
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")
_HEX_HASH = re.compile(r"(MD5|SHA1|SHA256|IMPHASH)=([0-9A-Fa-f]+)")
_IDS = ("ProcessId", "ParentProcessId", "SourceProcessId", "TargetProcessId", "NewProcessId")
_LOGON = ("LogonId", "SubjectLogonId", "TargetLogonId")
_USERS = ("User", "SourceUser", "TargetUser")


def real_events(folder: Path) -> list[dict]:
    """Every record of the EVTX files under ``folder`` as evtx_dump JSON ({"Event": …})."""
    docs = []
    for path in sorted(folder.rglob("*.evtx")):
        try:
            docs += [orjson.loads(rec["data"]) for rec in evtx.PyEvtxParser(str(path), 1).records_json()]
        except (RuntimeError, OSError):
            continue
    return docs


def _text(value):
    return value.get("#text") if isinstance(value, dict) else value


def _event_data(event: dict) -> dict:
    data = event.get("EventData")
    if not isinstance(data, dict):
        return {}
    out = {k: v for k, v in data.items() if k != "#attributes" and not isinstance(v, (dict, list))}
    return out


def _vary(data: dict, rng: random.Random, copy: int) -> dict:
    if copy == 0:
        return data
    user = f"user{rng.randrange(5000)}"
    out = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = _PROFILE.sub(lambda m: m.group(1) + user, value)
            if _GUID.match(value):
                value = "{" + str(uuid.UUID(int=rng.getrandbits(128))).upper() + "}"
            elif key in _LOGON:
                value = hex(rng.getrandbits(32))
            elif key in _USERS and "\\" in value:
                value = value.rsplit("\\", 1)[0] + "\\" + user
            elif key in ("Hashes", "Hash"):
                value = _HEX_HASH.sub(lambda m: m.group(1) + "=" + "".join(rng.choice("0123456789ABCDEF")
                                                                           for _ in m.group(2)), value)
        elif isinstance(value, int) and not isinstance(value, bool) and key in _IDS:
            value = rng.randrange(4, 65536, 4)
        out[key] = value
    return out


def _stamp(text: str | None, shift: timedelta) -> datetime:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        when = datetime(2024, 1, 1)
    return (when + shift).replace(tzinfo=None)


def flat_events(docs: list[dict], count: int, shape: str = "nxlog", seed: int = 7) -> Iterator[dict]:
    """``count`` distinct events in ``shape`` (``nxlog`` or ``winlogbeat``)."""
    rng = random.Random(seed)
    produced = copy = 0
    while produced < count:
        host = f"WKS{copy:05d}.corp.example" if copy else None
        shift = timedelta(hours=copy, seconds=rng.randrange(3600))
        for doc in docs:
            if produced >= count:
                return
            event = doc.get("Event") or {}
            system = event.get("System") or {}
            data = _vary(_event_data(event), rng, copy)
            when = _stamp((system.get("TimeCreated") or {}).get("#attributes", {}).get("SystemTime"), shift)
            provider = (system.get("Provider") or {}).get("#attributes", {})
            execution = (system.get("Execution") or {}).get("#attributes", {})
            computer = host or system.get("Computer")
            record = produced + 1
            if shape == "winlogbeat":
                yield {"@timestamp": when.isoformat(timespec="milliseconds") + "Z",
                       "event": {"kind": "event", "provider": provider.get("Name")},
                       "host": {"name": computer},
                       "winlog": {"channel": system.get("Channel"), "event_id": _text(system.get("EventID")),
                                  "provider_name": provider.get("Name"), "computer_name": computer,
                                  "record_id": record, "event_data": data,
                                  "process": {"pid": execution.get("ProcessID"),
                                              "thread": {"id": execution.get("ThreadID")}}}}
            else:
                yield {"EventTime": when.strftime("%Y-%m-%d %H:%M:%S"), "Hostname": computer,
                       "Keywords": system.get("Keywords"), "EventType": "INFO", "SeverityValue": 2, "Severity": "INFO",
                       "EventID": _text(system.get("EventID")), "SourceName": provider.get("Name"),
                       "ProviderGuid": provider.get("Guid"), "Version": system.get("Version"),
                       "Task": system.get("Task"), "OpcodeValue": system.get("Opcode"), "RecordNumber": record,
                       "ExecutionProcessID": execution.get("ProcessID"), "ThreadID": execution.get("ThreadID"),
                       "Channel": system.get("Channel"), **data,
                       "EventReceivedTime": (when + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S"),
                       "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog"}
            produced += 1
        copy += 1


def write_json_lines(path: Path, events: Iterator[dict]) -> int:
    """Write the events one per line; returns how many."""
    n = 0
    with open(path, "wb") as out:
        for event in events:
            out.write(orjson.dumps(event) + b"\n")
            n += 1
    return n
