"""One parser per input format, by name. Each has ``name`` and ``records(path, source)``."""

from __future__ import annotations

from collections.abc import Callable

from ...input_formats import FORMAT_NAMES
from .base import Item, LineParser, Record, RecordError
from .cef import CefParser
from .evtx_binary import EvtxParser
from .flows import CicFlowMeterParser, NetFlowV2Parser
from .suricata import SuricataEveParser
from .syslog import Syslog3164Parser, Syslog5424Parser
from .windows_csv import EvtxECmdCsvParser
from .windows_json import EvtxJsonParser
from .windows_xml import WindowsXmlParser
from .zeek import ZeekJsonParser, ZeekTsvParser

#: format name -> parser, each named as its format
PARSERS: dict[str, Callable[[], object]] = dict(zip(FORMAT_NAMES, (
    EvtxParser, EvtxJsonParser, WindowsXmlParser, EvtxECmdCsvParser, ZeekJsonParser, ZeekTsvParser, SuricataEveParser,
    Syslog5424Parser, Syslog3164Parser, CefParser, CicFlowMeterParser, NetFlowV2Parser,
), strict=True))

__all__ = ["PARSERS", "Item", "LineParser", "Record", "RecordError"]
