"""Small builders for Sigma unit tests: rules from YAML text, events from dicts."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cybershield.detect.sigma import SigmaDetector
from cybershield.events import BatchBuilder

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def rule(title: str, detection: str, logsource: str = "product: windows\n  category: process_creation",
         rule_id: str | None = None, extra: str = "") -> str:
    rid = rule_id or f"00000000-0000-4000-8000-{abs(hash(title)) % 10**12:012d}"
    return (f"title: {title}\nid: {rid}\nstatus: test\nlevel: high\ntags:\n  - attack.t1059.001\n"
            f"logsource:\n  {logsource}\ndetection:\n{textwrap.indent(textwrap.dedent(detection).strip(), '  ')}\n{extra}")


def detector(tmp_path: Path, *rules: str, placeholders: dict | None = None) -> SigmaDetector:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(rules):
        (folder / f"r{i}.yml").write_text(text)
    return SigmaDetector([folder], placeholders)


def sysmon(event_id: int = 1, channel: str = SYSMON, **data) -> dict:
    fields = {"winlog.channel": channel, "winlog.event_id": event_id}
    fields.update({f"winlog.event_data.{k}": v for k, v in data.items()})
    return fields


def batch(*events: dict, source: str = "test.evtx"):
    builder = BatchBuilder()
    for i, fields in enumerate(events, start=1):
        builder.add(source, i, fields)
    return builder.flush()


def fired(det: SigmaDetector, *events: dict) -> set[tuple[str, int]]:
    """(rule title, record id) of every alert, stream finished."""
    alerts = det.detect(batch(*events)) + det.finish()
    return {(a.rule_title, e.record_id) for a in alerts for e in a.events}
