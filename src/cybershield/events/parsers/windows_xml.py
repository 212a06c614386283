"""Windows events as XML: ``<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">…</Event>``
as ``Get-WinEvent``'s ``ToXml()``, ``wevtutil qe /f:xml``, Event Viewer's "Save as XML" (an
``<Events>`` element around them) and Splunk's ``XmlWinEventLog`` write them: one per line,
concatenated or pretty-printed.

Each event is parsed on its own with ``defusedxml`` (no entity expansion, no external references)
into evtx_dump's JSON shape and read by ``windows.from_evtx_xml_json``, so it becomes the same
event as the same record in binary EVTX (but for what XML itself changes: line ends become
``\n``, and all event data is text). An event that is no well-formed XML, or larger than
``MAX_EVENT_XML``, is quarantined with the reason; the events around it are read.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..quarantine import QuarantineEntry
from ..readers import open_binary
from .base import Item, RecordError
from .windows import from_evtx_xml_json

#: The largest event read (a Windows event is at most 64 KB of binary XML; rendered, a few times that).
MAX_EVENT_XML = 1 << 20
#: Where a file of XML events starts: an optional declaration and ``<Events>``, then ``<Event``.
XML_EVENTS_START = re.compile(rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<Events(?:\s[^>]*)?>\s*)?<Event[\s>]")
_START = re.compile(rb"<Event[\s>]")
_END = b"</Event>"
_BETWEEN = re.compile(rb"(?:<\?xml[^>]*\?>|</?Events\s*>|<Events\s[^>]*>|\s)*\Z")
_FORBIDDEN_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DIGITS = re.compile(r"-?\d{1,18}")


class WindowsXmlParser:
    """Files of Windows events as XML, an event at a time."""

    name = "evtx-xml"

    def records(self, path: Path, source: str) -> Iterator[Item]:
        ordinal = 0
        try:
            for piece, whole in _pieces(path):
                ordinal += 1
                yield self._one(piece, whole, ordinal, source)
        except (OSError, EOFError, zlib.error) as exc:
            yield QuarantineEntry.of(source, ordinal + 1, "truncated", f"reading stopped: {exc}")

    @staticmethod
    def _one(piece: bytes, whole: bool, ordinal: int, source: str) -> Item:
        if not whole:
            return QuarantineEntry.of(source, ordinal, "too-large", f"XML event over {MAX_EVENT_XML} bytes", piece)
        if not _START.match(piece):
            return QuarantineEntry.of(source, ordinal, "not-an-event", "text between events that is no <Event> element", piece)
        try:
            fields = from_evtx_xml_json({"Event": _element_data(_parse(piece))})
        except DefusedXmlException as exc:
            return QuarantineEntry.of(source, ordinal, "forbidden-xml", f"{type(exc).__name__}: {exc}", piece)
        except ParseError as exc:
            return QuarantineEntry.of(source, ordinal, "invalid-xml", f"not well-formed XML: {exc}", piece)
        except RecordError as exc:
            return QuarantineEntry.of(source, ordinal, exc.reason, exc.detail, piece)
        except (ValueError, TypeError, OverflowError) as exc:
            return QuarantineEntry.of(source, ordinal, "malformed-record", f"{type(exc).__name__}: {exc}", piece)
        return fields.get("winlog.record_id") or ordinal, fields


def _parse(piece: bytes) -> Element:
    """The event's element; control characters that XML 1.0 forbids (renderers copy them from binary
    event data) are read as U+FFFD instead of costing the whole event."""
    try:
        return fromstring(piece)
    except ParseError:
        cleaned = _FORBIDDEN_CONTROLS.sub("\ufffd".encode(), piece)
        if cleaned == piece:
            raise
        return fromstring(cleaned)


def _pieces(path: Path) -> Iterator[tuple[bytes, bool]]:
    """Each ``<Event …>…</Event>`` of the file, and whatever else stands between them that is not
    whitespace, a declaration or the ``<Events>`` wrapper, with whether it is whole (False: an event
    cut at ``MAX_EVENT_XML``, the rest of it skipped up to its end)."""
    buffer, skipping = b"", False
    with open_binary(path) as stream:
        while chunk := stream.read(1 << 20):
            buffer += chunk
            if skipping:
                end = buffer.find(_END)
                if end < 0:
                    buffer = buffer[-len(_END):]
                    continue
                buffer, skipping = buffer[end + len(_END):], False
            pos = 0
            while (start := _START.search(buffer, pos)) is not None:
                if not _BETWEEN.match(buffer, pos, start.start()):
                    yield buffer[pos:start.start()].strip(), True
                pos = start.start()
                end = buffer.find(_END, pos)
                if end < 0:
                    break
                whole = end + len(_END) - pos <= MAX_EVENT_XML
                yield buffer[pos:end + len(_END) if whole else pos + MAX_EVENT_XML], whole
                pos = end + len(_END)
            buffer = buffer[pos:]
            if len(buffer) > MAX_EVENT_XML:
                whole = not _START.match(buffer)  # text that is no event is quarantined whole
                if not (whole and _BETWEEN.match(buffer)):
                    yield (buffer if whole else buffer[:MAX_EVENT_XML]).strip(), whole
                buffer, skipping = b"", not whole
    if buffer and not skipping and not _BETWEEN.match(buffer):
        yield buffer.strip(), True


def _name(element: Element) -> str:
    return element.tag.rpartition("}")[2]


def _value(text: str | None) -> object:
    """Element text as evtx_dump types it: whole numbers as numbers, the rest as text (None when empty)."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if _DIGITS.fullmatch(text) else text


def _element_data(element: Element) -> dict:
    """An ``<Event>`` as evtx_dump writes it: ``System`` children with their attributes under
    ``#attributes`` and text as ``#text``; ``EventData`` as name -> value (unnamed ``<Data>`` as a list);
    ``UserData`` nested as it is."""
    out: dict = {}
    for child in element:
        name = _name(child)
        if name == "System":
            out[name] = {_name(item): _system_item(item) for item in child}
        elif name == "EventData":
            out[name] = _event_data(child)
        elif name == "UserData":
            out[name] = _nested(child)
    return out


def _system_item(item: Element) -> object:
    value = _value(item.text)
    if not item.attrib:
        return value
    attributes = {key.rpartition("}")[2]: _value(text) for key, text in item.attrib.items()}
    return {"#attributes": attributes} if value is None else {"#attributes": attributes, "#text": value}


def _event_data(element: Element) -> dict:
    """Named ``<Data>`` as name -> text ("" when empty, as evtx_dump writes it); unnamed elements
    under their tag, several of one tag as evtx_dump's ``{"#text": [...]}``."""
    named, unnamed = {}, {}
    for item in element:
        label = item.get("Name")
        if label is not None:
            named[label] = item.text or ""
        else:
            unnamed.setdefault(_name(item), []).append(item.text)
    for name, values in unnamed.items():
        named.setdefault(name, values[0] if len(values) == 1 else {"#text": values})
    return named


def _nested(element: Element) -> object:
    children = list(element)
    if not children:
        return _value(element.text)
    return {_name(child): _nested(child) for child in children}
