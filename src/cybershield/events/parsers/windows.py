"""Windows event logs: binary EVTX (the ``evtx`` package) and EVTX as JSON.

JSON comes as evtx_dump output (``{"Event": {"System": …, "EventData": …}}``, one per line or
pretty-printed and concatenated), winlogbeat documents (``{"winlog": {…}}``) or flat
Sysmon/nxlog records (``{"EventID": 1, "Channel": …, "Image": …}``). All become the same
event: ``winlog.*`` as winlogbeat names it, ``winlog.event_data.<Name>`` for the payload (so
Sigma's field names stay visible), and the ECS fields derived from it. The record id is the
EventRecordID.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import evtx
import orjson

from ..quarantine import QuarantineEntry
from ..readers import GZIP_MAGIC, open_binary
from .base import Item, RecordError, flatten, iso_to_us, to_int

#: EventData name -> ECS field (Sysmon and the Security log).
_EVENT_DATA_ECS = {
    "Image": "process.executable",
    "NewProcessName": "process.executable",
    "CommandLine": "process.command_line",
    "ProcessId": "process.pid",
    "NewProcessId": "process.pid",
    "ParentImage": "process.parent.executable",
    "ParentProcessName": "process.parent.executable",
    "ParentCommandLine": "process.parent.command_line",
    "ParentProcessId": "process.parent.pid",
    "TargetFilename": "file.path",
    "QueryName": "dns.question.name",
    "SourceIp": "source.ip",
    "SourcePort": "source.port",
    "IpAddress": "source.ip",
    "IpPort": "source.port",
    "DestinationIp": "destination.ip",
    "DestinationPort": "destination.port",
    "DestinationHostname": "url.domain",
    "TargetObject": "registry.path",
    "ObjectName": "file.path",
}
_EVENT_DATA_KEYS = frozenset(_EVENT_DATA_ECS)
_EVENT_DATA_ORDER = {name: i for i, name in enumerate(_EVENT_DATA_ECS)}
_SYSTEM_EXTRAS = tuple((key, f"winlog.{key.lower()}") for key in ("Level", "Task", "Opcode", "Keywords", "Version"))
_NESTED = frozenset({dict, list})
_INT_ECS = {"process.pid", "process.parent.pid", "source.port", "destination.port"}
_HASH_ECS = {"MD5": "file.hash.md5", "SHA1": "file.hash.sha1", "SHA256": "file.hash.sha256"}
MAX_JSON_DOCUMENT = 512 * 1024 * 1024


def _text(value: object) -> object:
    """evtx renders some elements as {"#text": …, "#attributes": …}: keep the text."""
    if isinstance(value, dict) and "#text" in value:
        return value["#text"]
    return value


def _event_data(data: object) -> dict:
    """EventData/UserData as a flat name -> value dict."""
    if not isinstance(data, dict):
        return {} if data is None else {"Data": data}
    if _NESTED.isdisjoint(map(type, data.values())):  # the common case: flat names
        out = dict(data)
        out.pop("#attributes", None)
        return out
    out = {}
    for key, value in data.items():
        if key == "#attributes":
            continue
        if key == "Data" and isinstance(value, list):
            for i, item in enumerate(value):
                out[f"Data{i}"] = _text(item)
        elif isinstance(value, dict) and "#text" not in value:
            flatten(value, key, out)
        elif isinstance(text := _text(value), list):
            # unnamed <Data> elements: the payload as a whole, one value per line (as Event Viewer
            # shows it; Sigma's ``Data`` field), not JSON text whose escaping doubles backslashes
            out[key] = "\n".join("" if v is None else str(v) for v in text)
        else:
            out[key] = text
    return out


def derive_ecs(fields: dict, channel: str | None, event_data: dict) -> None:
    """Fill the ECS fields that follow from a Windows event's payload."""
    # in the mapping's order: of two names for one ECS field (Image, NewProcessName), the first present wins
    for name in sorted(_EVENT_DATA_KEYS.intersection(event_data), key=_EVENT_DATA_ORDER.__getitem__):
        ecs, value = _EVENT_DATA_ECS[name], event_data[name]
        if value in (None, "", "-"):
            continue
        if ecs in _INT_ECS:
            value = _windows_int(value)
            if value is None:
                continue
        fields.setdefault(ecs, value)
    user = event_data.get("User") or event_data.get("TargetUserName") or event_data.get("SubjectUserName")
    if isinstance(user, str) and user not in ("", "-"):
        domain, _, name = user.rpartition("\\")
        fields["user.name"] = name
        if domain:
            fields["user.domain"] = domain
    hashes = event_data.get("Hashes") or event_data.get("Hash")
    if isinstance(hashes, str):
        for part in hashes.split(","):
            algo, _, digest = part.partition("=")
            ecs = _HASH_ECS.get(algo.strip().upper())
            if ecs and digest:
                fields[ecs] = digest.strip().lower()
    fields["event.module"] = "sysmon" if channel and "Sysmon" in channel else "windows"


def _windows_int(value: object) -> int | None:
    if isinstance(value, str) and value.lower().startswith("0x"):
        try:
            return int(value, 16)
        except ValueError:
            return None
    return to_int(value)


def from_evtx_xml_json(doc: dict) -> dict:
    """One evtx_dump-style record ({"Event": {"System":…}}) to event fields."""
    event = doc.get("Event")
    if not isinstance(event, dict) or not isinstance(event.get("System"), dict):
        raise RecordError("not-a-windows-event", "no Event.System element")
    system = event["System"]
    provider = system.get("Provider", {})
    provider_name = provider.get("#attributes", {}).get("Name") if isinstance(provider, dict) else None
    event_id = to_int(_text(system.get("EventID")))
    channel = system.get("Channel")
    fields: dict = {
        "event.kind": "event",
        "event.code": None if event_id is None else str(event_id),
        "winlog.event_id": event_id,
        "winlog.channel": channel,
        "winlog.provider_name": provider_name,
        "winlog.computer_name": system.get("Computer"),
        "host.name": system.get("Computer"),
        "winlog.record_id": to_int(system.get("EventRecordID")),
    }
    created = system.get("TimeCreated")
    if isinstance(created, dict):
        stamp = created.get("#attributes", {}).get("SystemTime")
        if isinstance(stamp, str):
            fields["@timestamp"] = iso_to_us(stamp)
    for key, name in _SYSTEM_EXTRAS:
        if key in system:
            fields[name] = _text(system[key])
    execution = system.get("Execution")
    if isinstance(execution, dict):
        attrs = execution.get("#attributes", {})
        fields["winlog.process.pid"] = attrs.get("ProcessID")
        fields["winlog.process.thread.id"] = attrs.get("ThreadID")
    security = system.get("Security")
    if isinstance(security, dict):
        fields["winlog.user.identifier"] = security.get("#attributes", {}).get("UserID")
    data = _event_data(event.get("EventData"))
    if "UserData" in event:
        user_data = event["UserData"]
        if isinstance(user_data, dict):
            flatten(user_data, "winlog.user_data", fields)
            for inner in user_data.values():
                if isinstance(inner, dict):
                    data.update(_event_data(inner))
    for name, value in data.items():
        fields[f"winlog.event_data.{name}"] = value
    derive_ecs(fields, channel, data)
    return fields


def from_flat_json(doc: dict) -> dict:
    """winlogbeat documents and flat Sysmon/nxlog records to event fields."""
    if isinstance(doc.get("winlog"), dict):
        fields = flatten(doc, "", {})
        data = {k[len("winlog.event_data."):]: v for k, v in fields.items() if k.startswith("winlog.event_data.")}
        channel = fields.get("winlog.channel")
        if "winlog.event_id" in fields:
            fields["winlog.event_id"] = to_int(fields["winlog.event_id"])
            fields.setdefault("event.code", str(fields["winlog.event_id"]))
        if isinstance(fields.get("@timestamp"), str):
            fields["@timestamp"] = iso_to_us(fields["@timestamp"])
    else:
        data = {k: v for k, v in doc.items() if not isinstance(v, (dict, list))}
        channel = doc.get("Channel")
        event_id = to_int(doc.get("EventID"))
        fields = {f"winlog.event_data.{k}": v for k, v in data.items()}
        fields.update({
            "event.code": None if event_id is None else str(event_id),
            "winlog.event_id": event_id,
            "winlog.channel": channel,
            "winlog.provider_name": doc.get("Provider_Name") or doc.get("SourceName"),
            "winlog.computer_name": doc.get("Computer") or doc.get("Hostname"),
            "host.name": doc.get("Computer") or doc.get("Hostname"),
            "winlog.record_id": to_int(doc.get("EventRecordID") or doc.get("RecordNumber")),
        })
        stamp = doc.get("SystemTime") or doc.get("UtcTime") or doc.get("EventTime")
        if isinstance(stamp, str):
            fields["@timestamp"] = iso_to_us(stamp)
    fields.setdefault("event.kind", "event")
    derive_ecs(fields, channel, data)
    return fields


def windows_event(doc: dict) -> dict:
    if "Event" in doc:
        return from_evtx_xml_json(doc)
    if "winlog" in doc or "EventID" in doc:
        return from_flat_json(doc)
    raise RecordError("not-a-windows-event", "neither Event.System, winlog nor EventID present")


EVTX_HEADER_BLOCK = 4096
EVTX_CHUNK = 65536


def _missing_chunks(path: Path) -> int:
    """How many of the chunks the file header announces are not (wholly) in the file."""
    try:
        with open(path, "rb") as f:
            header = f.read(48)
            size = f.seek(0, 2)
    except OSError:
        return 0
    if len(header) < 44:
        return 1
    announced = int.from_bytes(header[42:44], "little")
    present = max(0, size - EVTX_HEADER_BLOCK) // EVTX_CHUNK
    return max(0, announced - present)


#: A gzip-compressed EVTX file is unpacked to a temporary file up to this size (the rest is quarantined).
MAX_GUNZIPPED_EVTX = 4 * 1024 * 1024 * 1024


class EvtxParser:
    """Binary .evtx files, read with the ``evtx`` (Rust) package; a gzip-compressed one is unpacked first
    (the package reads files), to a temporary file beside nothing else, removed afterwards."""

    name = "evtx"

    def records(self, path: Path, source: str) -> Iterator[Item]:
        with open(path, "rb") as f:
            packed = f.read(2) == GZIP_MAGIC
        if not packed:
            yield from self._records(path, source)
            return
        with tempfile.TemporaryDirectory(prefix="cybershield-evtx-") as folder:
            plain = Path(folder) / "unpacked.evtx"
            problem = _gunzip(path, plain, MAX_GUNZIPPED_EVTX)
            if problem:
                yield QuarantineEntry.of(source, 0, *problem)
            yield from self._records(plain, source)

    def _records(self, path: Path, source: str) -> Iterator[Item]:
        missing = _missing_chunks(path)
        if missing:
            yield QuarantineEntry.of(source, 0, "truncated", f"EVTX file is cut short: {missing} of its chunks are missing"
                                     " or incomplete; the records in them are lost")
        ordinal = 0
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                parser = evtx.PyEvtxParser(str(path), 1)
                for rec in parser.records_json():
                    ordinal += 1
                    record_id = rec.get("event_record_id") or ordinal
                    try:
                        fields = from_evtx_xml_json(orjson.loads(rec["data"]))
                        yield fields.get("winlog.record_id") or record_id, fields
                    except (RecordError, orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
                        yield QuarantineEntry.of(source, record_id, getattr(exc, "reason", "malformed-record"),
                                                 str(exc), rec.get("data", ""))
                    for warning in caught:
                        yield QuarantineEntry.of(source, ordinal, "evtx-record-error", str(warning.message))
                    caught.clear()
        except (RuntimeError, OSError) as exc:
            yield QuarantineEntry.of(source, ordinal + 1, "evtx-unreadable", f"EVTX parsing stopped: {exc}")


def _gunzip(packed: Path, plain: Path, limit: int) -> tuple[str, str] | None:
    """Unpack ``packed`` into ``plain`` (at most ``limit`` bytes); the quarantine reason and detail of a
    problem (a cut gzip stream, too large), or None. What came before the problem is kept."""
    size = 0
    with open_binary(packed) as stream, open(plain, "wb") as out:
        try:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    return "too-large", f"unpacked EVTX is over {limit} bytes; the rest is not read"
                out.write(chunk)
        except (OSError, EOFError) as exc:
            return "truncated", f"gzip stream is cut short: {exc}"
    return None


class EvtxJsonParser:
    """EVTX as JSON: JSON lines, or concatenated/pretty-printed documents, or one JSON array."""

    name = "evtx-json"

    def records(self, path: Path, source: str) -> Iterator[Item]:
        try:
            with open_binary(path) as stream:
                raw = stream.read(MAX_JSON_DOCUMENT + 1)
        except (OSError, EOFError) as exc:
            yield QuarantineEntry.of(source, 1, "truncated", f"reading stopped: {exc}")
            return
        if len(raw) > MAX_JSON_DOCUMENT:
            yield QuarantineEntry.of(source, 0, "too-large", f"JSON document over {MAX_JSON_DOCUMENT} bytes", raw)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield QuarantineEntry.of(source, 1, "invalid-utf8", f"not valid UTF-8 at byte {exc.start}", raw[exc.start:])
            return
        yield from self._documents(text, source)

    def _documents(self, text: str, source: str) -> Iterator[Item]:
        decoder = json.JSONDecoder()
        pos, ordinal, end = 0, 0, len(text)
        while True:
            while pos < end and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= end:
                return
            ordinal += 1
            try:
                doc, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                # Skip to the next line that starts a document, so one bad record costs one record.
                nxt = text.find("\n{", pos + 1)
                yield QuarantineEntry.of(source, ordinal, "invalid-json", f"not valid JSON: {exc.msg}", text[pos:pos + 256])
                if nxt < 0:
                    return
                pos = nxt + 1
                continue
            docs = doc if isinstance(doc, list) else [doc]
            for item in docs:
                yield from self._one(item, ordinal, source)
                ordinal += 1
            ordinal -= 1

    @staticmethod
    def _one(doc: object, ordinal: int, source: str) -> Iterator[Item]:
        if not isinstance(doc, dict):
            yield QuarantineEntry.of(source, ordinal, "not-an-object", f"JSON {type(doc).__name__} where an event was expected")
            return
        try:
            fields = windows_event(doc)
        except RecordError as exc:
            yield QuarantineEntry.of(source, ordinal, exc.reason, exc.detail, orjson.dumps(doc)[:256])
            return
        except (ValueError, TypeError, AttributeError) as exc:
            yield QuarantineEntry.of(source, ordinal, "malformed-record", f"{type(exc).__name__}: {exc}", orjson.dumps(doc)[:256])
            return
        yield fields.get("winlog.record_id") or ordinal, fields
