"""One parser per input format, by name. Each has ``name`` and ``records(path, source)``."""

from __future__ import annotations

from collections.abc import Callable

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

PARSERS: dict[str, Callable[[], object]] = {
    "evtx": EvtxParser,
    "evtx-json": EvtxJsonParser,
    "evtx-xml": WindowsXmlParser,
    "evtxecmd-csv": EvtxECmdCsvParser,
    "zeek-json": ZeekJsonParser,
    "zeek-tsv": ZeekTsvParser,
    "suricata-eve": SuricataEveParser,
    "syslog-5424": Syslog5424Parser,
    "syslog-3164": Syslog3164Parser,
    "cef": CefParser,
    "cicflowmeter": CicFlowMeterParser,
    "netflow-v2": NetFlowV2Parser,
}

__all__ = ["PARSERS", "Item", "LineParser", "Record", "RecordError"]
