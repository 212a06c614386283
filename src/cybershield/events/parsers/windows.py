"""Windows events as JSON, record by record (binary EVTX is read into this shape by ``evtx_binary``).

JSON comes as evtx_dump output (``{"Event": {"System": …, "EventData": …}}``, one per line or
pretty-printed and concatenated; python-evtx + xmltodict write the same with ``@Name`` attributes,
Velociraptor without the ``Event`` envelope), winlogbeat documents (``{"winlog": {…}}``, also as
Elasticsearch/OpenSearch hits under ``_source``), flat Sysmon/nxlog records (``{"EventID": 1,
"Channel": …, "Image": …}``) or EvtxECmd records (``EventId``, the event data as ``Payload`` JSON
text). All become the same
event: ``winlog.*`` as winlogbeat names it, ``winlog.event_data.<Name>`` for the payload (so
Sigma's field names stay visible), and the ECS fields derived from it. The record id is the
EventRecordID.
"""

from __future__ import annotations

import re

import orjson

from .base import RecordError, epoch_to_us, flatten, iso_to_us, to_int

#: EventData name -> ECS field (Sysmon and the Security log).
EVENT_DATA_ECS = {
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
_EVENT_DATA_KEYS = frozenset(EVENT_DATA_ECS)
_EVENT_DATA_ORDER = {name: i for i, name in enumerate(EVENT_DATA_ECS)}
_SYSTEM_EXTRAS = tuple((key, f"winlog.{key.lower()}") for key in ("Level", "Task", "Opcode", "Keywords", "Version"))
_NESTED = frozenset({dict, list})
INT_ECS = {"process.pid", "process.parent.pid", "source.port", "destination.port"}
HASH_ECS = {"MD5": "file.hash.md5", "SHA1": "file.hash.sha1", "SHA256": "file.hash.sha256"}


def _text(value: object) -> object:
    """evtx renders some elements as {"#text": …, "#attributes": …}: keep the text."""
    if isinstance(value, dict) and "#text" in value:
        return value["#text"]
    return value


def _attribute(element: object, name: str) -> object:
    """An XML attribute of an element as JSON converters write it: under ``#attributes`` (evtx_dump),
    as ``@name`` (xmltodict) or as a plain key (Velociraptor)."""
    if not isinstance(element, dict):
        return None
    attributes = element.get("#attributes")
    if isinstance(attributes, dict) and name in attributes:
        return attributes[name]
    return element.get(f"@{name}", element.get(name))


def _event_id(value: object) -> int | None:
    """``1``, ``"1"``, ``{"#text": 1, …}`` (evtx_dump, xmltodict) or ``{"Value": 1}`` (Velociraptor)."""
    if isinstance(value, dict):
        value = value.get("#text", value.get("Value"))
    return to_int(value)


def _system_time(value: object) -> int | None:
    """TimeCreated's SystemTime: ISO 8601 text (ValueError when it is not), or seconds since the
    epoch (Velociraptor)."""
    if isinstance(value, str):
        return iso_to_us(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch_to_us(value)
    return None


def _named_data(items: list) -> dict | None:
    """``<Data Name="…">`` elements converted to a list of ``{"@Name": …, "#text": …}`` (xmltodict,
    EvtxECmd) as name -> value; None when they are unnamed."""
    names = [_attribute(item, "Name") for item in items]
    if not names or not all(isinstance(name, str) for name in names):
        return None
    return {name: item.get("#text") for name, item in zip(names, items, strict=True)}


def with_spaceless_names(data: dict) -> dict:
    """Event data names with spaces (Defender's ``Threat Name``) also under the space-less name
    that Sigma rules use (``ThreatName``), unless the event has that name already."""
    for key in [k for k in data if " " in k]:
        data.setdefault(key.replace(" ", ""), data[key])
    return data


def _event_data(data: object) -> dict:
    """EventData/UserData as a flat name -> value dict."""
    if not isinstance(data, dict):
        return {} if data is None else {"Data": data}
    if _NESTED.isdisjoint(map(type, data.values())):  # the common case: flat names
        out = dict(data)
        out.pop("#attributes", None)
        return with_spaceless_names(out)
    out = {}
    for key, value in data.items():
        if key == "#attributes":
            continue
        if key == "Data" and isinstance(value, dict) and isinstance(_attribute(value, "Name"), str):
            value = [value]  # one named <Data> element
        if key == "Data" and isinstance(value, list):
            named = _named_data(value)
            if named is not None:
                out.update(named)
                continue
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
    return with_spaceless_names(out)


def derive_ecs(fields: dict, channel: str | None, event_data: dict) -> None:
    """Fill the ECS fields that follow from a Windows event's payload."""
    # in the mapping's order: of two names for one ECS field (Image, NewProcessName), the first present wins
    for name in sorted(_EVENT_DATA_KEYS.intersection(event_data), key=_EVENT_DATA_ORDER.__getitem__):
        ecs, value = EVENT_DATA_ECS[name], event_data[name]
        if value in (None, "", "-"):
            continue
        if ecs in INT_ECS:
            value = windows_int(value)
            if value is None:
                continue
        fields.setdefault(ecs, value)
    name, domain = split_user(event_data.get("User") or event_data.get("TargetUserName") or event_data.get("SubjectUserName"))
    if name is not None:
        fields["user.name"] = name
        if domain:
            fields["user.domain"] = domain
    fields.update(parse_hashes(event_data.get("Hashes") or event_data.get("Hash")))
    fields["event.module"] = "sysmon" if channel and "Sysmon" in channel else "windows"


def split_user(user: object) -> tuple[str | None, str | None]:
    """``DOMAIN\\name`` -> (name, domain); (None, None) for no user (``-``, empty, not text)."""
    if not isinstance(user, str) or user in ("", "-"):
        return None, None
    domain, _, name = user.rpartition("\\")
    return name, domain or None


def parse_hashes(hashes: object) -> dict:
    """Sysmon's ``SHA1=…,MD5=…`` as ECS hash fields (lower case)."""
    out = {}
    if isinstance(hashes, str):
        for part in hashes.split(","):
            algo, _, digest = part.partition("=")
            ecs = HASH_ECS.get(algo.strip().upper())
            if ecs and digest:
                out[ecs] = digest.strip().lower()
    return out


def windows_int(value: object) -> int | None:
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
    provider_name = _attribute(system.get("Provider"), "Name")
    event_id = _event_id(system.get("EventID"))
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
    stamp = _system_time(_attribute(system.get("TimeCreated"), "SystemTime"))
    if stamp is not None:
        fields["@timestamp"] = stamp
    for key, name in _SYSTEM_EXTRAS:
        if key in system:
            fields[name] = _text(system[key])
    execution = system.get("Execution")
    if isinstance(execution, dict):
        fields["winlog.process.pid"] = _attribute(execution, "ProcessID")
        fields["winlog.process.thread.id"] = _attribute(execution, "ThreadID")
    security = system.get("Security")
    if isinstance(security, dict):
        fields["winlog.user.identifier"] = _attribute(security, "UserID")
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


#: Where flat records keep the event time, most precise first (Sysmon's UtcTime; NXLog's EventTime
#: is the collector's local time, hence last).
TIME_FIELDS = ("SystemTime", "UtcTime", "@timestamp", "TimeCreated", "TimeGenerated", "EventTime")
_DOTNET_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


def event_time(value: object) -> int | None:
    """Microseconds since the epoch from an event time as collectors write it (ISO 8601, naive
    meaning UTC; .NET ``/Date(ms)/`` of PowerShell exports); None when it is none of these."""
    if not isinstance(value, str) or not value:
        return None
    dotnet = _DOTNET_DATE.fullmatch(value)
    if dotnet:
        return int(dotnet.group(1)) * 1000
    try:
        return iso_to_us(value)
    except (ValueError, OverflowError):
        return None


def first_time(doc: dict) -> int | None:
    """The event time: the first of ``TIME_FIELDS`` that holds one."""
    for name in TIME_FIELDS:
        stamp = event_time(doc.get(name))
        if stamp is not None:
            return stamp
    return None


def flat_payload(doc: dict) -> dict:
    """The scalar fields of a flat record, with event data held as JSON text unpacked beside them:
    ``EventData`` of Azure Log Analytics / Sentinel exports (the record's own fields first), ``Payload``
    (``{"EventData": …}``) of EvtxECmd (its event data first: EvtxECmd's ``ProcessId`` is the logger's)."""
    data = {k: v for k, v in doc.items() if not isinstance(v, (dict, list))}
    for name in ("EventData", "Payload"):
        packed = doc.get(name)
        if not (isinstance(packed, str) and packed.lstrip().startswith("{")):
            continue
        try:
            inner = orjson.loads(packed)
        except orjson.JSONDecodeError:
            continue
        if name == "Payload" and isinstance(inner, dict):
            data.update(_event_data(inner.get("EventData")))
        elif isinstance(inner, dict):
            for key, value in _event_data(inner).items():
                data.setdefault(key, value)
    return with_spaceless_names(data)


def _truthy(doc: dict, *names: str) -> object:
    """``doc.get(a) or doc.get(b) or …``."""
    value = None
    for name in names:
        value = doc.get(name)
        if value:
            return value
    return value


def from_flat_json(doc: dict) -> dict:
    """winlogbeat documents and flat Sysmon/NXLog/Azure records to event fields."""
    if isinstance(doc.get("winlog"), dict):
        fields = flatten(doc, "", {})
        data = with_spaceless_names(
            {k[len("winlog.event_data."):]: v for k, v in fields.items() if k.startswith("winlog.event_data.")})
        fields.update({f"winlog.event_data.{k}": v for k, v in data.items()})
        channel = fields.get("winlog.channel")
        if "winlog.event_id" in fields:
            fields["winlog.event_id"] = to_int(fields["winlog.event_id"])
            fields.setdefault("event.code", str(fields["winlog.event_id"]))
        if isinstance(fields.get("@timestamp"), str):
            fields["@timestamp"] = event_time(fields["@timestamp"])
    else:
        data = flat_payload(doc)
        channel = _truthy(doc, "Channel", "EventLog")
        event_id = to_int(doc["EventID"] if "EventID" in doc else doc.get("EventId"))
        fields = {f"winlog.event_data.{k}": v for k, v in data.items()}
        fields.update({
            "event.code": None if event_id is None else str(event_id),
            "winlog.event_id": event_id,
            "winlog.channel": channel,
            "winlog.provider_name": _truthy(doc, "Provider_Name", "SourceName", "Source", "Provider"),
            "winlog.computer_name": _truthy(doc, "Computer", "Hostname"),
            "host.name": _truthy(doc, "Computer", "Hostname"),
            "winlog.record_id": to_int(_truthy(doc, "EventRecordID", "EventRecordId", "RecordNumber")),
            "@timestamp": first_time(doc),
        })
    fields.setdefault("event.kind", "event")
    derive_ecs(fields, channel, data)
    return fields


def windows_event(doc: dict) -> dict:
    """The event fields of one Windows record in any of the JSON shapes above."""
    doc = unwrap_hit(doc)
    if isinstance(doc.get("Event"), dict):
        return from_evtx_xml_json(doc)
    if isinstance(doc.get("System"), dict):
        return from_evtx_xml_json({"Event": doc})
    if isinstance(doc.get("winlog"), dict) or "EventID" in doc or "EventId" in doc:
        return from_flat_json(doc)
    raise RecordError("not-a-windows-event", "neither Event.System, System, winlog nor EventID present")


def unwrap_hit(doc: dict) -> dict:
    """The document of an Elasticsearch/OpenSearch hit (``{"_index": …, "_source": {…}}``, as
    elasticdump and scroll exports write them); any other record as it is."""
    source = doc.get("_source")
    return source if isinstance(source, dict) and "_index" in doc else doc
