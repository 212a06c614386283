"""Every parser on the real samples of ../shared/data."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from cybershield.events import Quarantine, concat, ingest, sniff


def _ingest(paths, fmt=None):
    batches, quarantine = [], Quarantine()
    summary = ingest(paths, fmt, sink=batches.append, quarantine=quarantine)
    return summary, concat(batches), quarantine


def test_evtx_binary_keeps_record_ids_and_sysmon_fields(shared_data):
    path = shared_data / "evtx-attack-samples" / "UACME_59_Sysmon.evtx"
    assert sniff(path) == "evtx"
    summary, events, _ = _ingest([path])
    assert summary.read == summary.parsed == events.num_rows > 0
    first = events.slice(0, 1).to_pylist()[0]
    assert first["event.provenance.record_id"] == first["winlog.record_id"] == 2164886
    assert first["event.code"] == "10"
    assert first["winlog.channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert first["winlog.event_data.SourceImage"].endswith("Akagi_64.exe")


def test_evtx_json_pretty_printed_concatenated(shared_data):
    folder = shared_data / "sigma/regression_data/rules/windows/file/file_event/file_event_win_hktl_netexec_file_indicators"
    path = next(folder.glob("*.json"))
    assert sniff(path) == "evtx-json"
    summary, events, _ = _ingest([path])
    assert summary.parsed == path.read_text().count('"Event": {') == events.num_rows
    assert summary.quarantined == 0
    assert events.column("file.path").null_count == 0


def test_zeek_tsv_types_and_labels(shared_data):
    path = shared_data / "network-logs/stratosphere-slips/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled"
    summary, events, _ = _ingest([path])
    data_lines = sum(1 for line in path.read_text().splitlines() if line and not line.startswith("#"))
    assert summary.parsed == data_lines == events.num_rows
    row = events.slice(0, 1).to_pylist()[0]
    assert row["source.ip"] == "192.168.1.107" and row["destination.port"] == 5888
    assert row["zeek.conn.label"] == "Malicious"
    assert row["event.dataset"] == "zeek.conn"


def test_zeek_json_conn(shared_data):
    path = shared_data / "network-logs/stratosphere-slips/test9-mixed-zeek-dir/conn.log"
    summary, events, _ = _ingest([path])
    assert summary.quarantined == 0
    assert summary.parsed == len(path.read_bytes().splitlines())
    assert pc.sum(events.column("source.bytes")).as_py() > 0


def test_suricata_eve_alerts(shared_data):
    path = shared_data / "network-logs/stratosphere-slips/test6-malicious.suricata.json.gz"
    summary, events, _ = _ingest([path])
    assert summary.parsed == 5000
    alerts = events.filter(pc.equal(events.column("event.dataset"), "suricata.alert"))
    assert alerts.num_rows == 745
    assert alerts.column("rule.name").null_count == 0


@pytest.mark.parametrize("name", ["zeek-json", "zeek-default"])
def test_wrccdc_dns_both_encodings_agree(shared_data, name):
    suffix = "json.gz" if name == "zeek-json" else "log.gz"
    path = shared_data / f"network-logs/wrccdc-2018-zeek/{name}/dns.{suffix}"
    summary, events, _ = _ingest([path])
    assert summary.parsed == 53_615
    assert events.column("dns.question.name").null_count < events.num_rows


def test_every_shared_set_of_make_run_is_read_with_only_explained_losses(shared_data):
    """What ``make run`` ingests: every record parsed, except one line that is corrupt in the data itself
    (test10 notice.log line 21: a tab turned into a space, so 23 fields where the header names 26)."""
    sets = [shared_data / name for name in ("evtx-attack-samples", "network-logs", "cicids2017", "netflow-v2")]
    batches, quarantine = [], Quarantine()
    summary = ingest(sets, sink=lambda table: batches.append(table.num_rows), quarantine=quarantine)
    assert summary.read == summary.parsed + summary.quarantined == sum(batches) + 1
    assert [(e.source.split("/")[-2:], e.record_id, e.reason) for e in quarantine.entries] == [
        (["test10-mixed-zeek-dir", "notice.log"], 21, "bad-field-count")]
    assert "unknown" not in summary.by_format
    assert summary.by_format["evtx"].parsed == 6011  # the README's count of events in the 225 files
    assert summary.by_format["cicflowmeter"].parsed == 30_390 and summary.by_format["netflow-v2"].parsed == 278_781
