"""The input formats' names (``--format``), outside the events package: the command line's help lists them
without loading the parsers and Arrow."""

#: in the order of ``events.parsers.PARSERS``, a parser each
FORMAT_NAMES = ("evtx", "evtx-json", "evtx-xml", "evtxecmd-csv", "zeek-json", "zeek-tsv", "suricata-eve", "syslog-5424",
                "syslog-3164", "cef", "cicflowmeter", "netflow-v2")
