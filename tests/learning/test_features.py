"""The flow-feature extractor: one feature set over three formats; identifiers never reach a model."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa

from cybershield.events import Quarantine, concat, ingest
from cybershield.learning import BENIGN, FEATURE_NAMES, FEATURES, IDENTIFIERS, extract, feature_table

README = Path(__file__).resolve().parents[2] / "README.md"


def _events(*paths):
    batches = []
    ingest(list(paths), sink=batches.append, quarantine=Quarantine())
    return concat(batches)


def _head(path: Path, lines: int, folder: Path) -> Path:
    """The first lines of a (gzipped) export, so that tests read a slice instead of the whole file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        text = "".join(line for _, line in zip(range(lines), f, strict=False))
    out = folder / path.name.removesuffix(".gz")
    out.write_text(text)
    return out


def _column(name):
    return FEATURE_NAMES.index(name)


def test_no_feature_reads_an_identifier():
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for name, sources in FEATURES.items():
        for dataset, source in sources.items():
            assert not set(source.columns) & IDENTIFIERS[dataset], (name, dataset)


def _scramble(table: pa.Table, namespace: str, dataset: str) -> pa.Table:
    """Every identifier column (original and ECS) replaced by the same column in reverse row order."""
    ecs = ["source.ip", "source.port", "destination.ip", "destination.port", "@timestamp", "network.community_id",
           "event.provenance.record_id"]
    names = [f"{namespace}.{c}" for c in IDENTIFIERS[dataset]] + ecs
    for name in names:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).take(pa.array(np.arange(table.num_rows)[::-1])))
    return table


def test_identifiers_do_not_change_the_features(shared_data, tmp_path):
    for path, namespace, dataset in (
        (shared_data / "cicids2017/train.csv.gz", "cicflowmeter", "cicflowmeter"),
        (shared_data / "netflow-v2/botiot_reduced.csv.gz", "netflow", "netflow"),
        (shared_data / "network-logs/stratosphere-slips/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled",
         "zeek.conn", "zeek.conn"),
    ):
        table = _events(_head(path, 3000, tmp_path))
        before = extract(table).matrix
        after = extract(_scramble(table, namespace, dataset)).matrix
        assert before.shape == (table.num_rows, len(FEATURE_NAMES))
        np.testing.assert_array_equal(before, after)  # NaN == NaN here
        assert (~np.isnan(before)).any(axis=0).sum() >= 10, dataset


def test_missing_features_stay_missing(shared_data, tmp_path):
    cic = extract(_events(_head(shared_data / "cicids2017/train.csv.gz", 500, tmp_path)))
    nf = extract(_events(_head(shared_data / "netflow-v2/botiot_reduced.csv.gz", 500, tmp_path)))
    for name, sources in FEATURES.items():
        j = _column(name)
        assert np.isnan(cic.matrix[:, j]).all() == ("cicflowmeter" not in sources), name
        if "netflow" not in sources:
            assert np.isnan(nf.matrix[:, j]).all(), name
    # the same quantity, measured by both: durations in seconds, packets in both directions
    assert np.nanmax(cic.matrix[:, _column("duration_s")]) < 200
    assert (nf.matrix[:, _column("fwd_packets")] >= 0).all()
    assert np.isnan(cic.matrix[:, _column("fwd_ip_bytes")]).all()  # CICFlowMeter counts payload, not IP bytes


def test_zeek_conn_features_and_labels(shared_data):
    path = shared_data / "network-logs/stratosphere-slips/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled"
    flows = extract(_events(path))
    assert len(flows) == 766
    m = flows.matrix
    assert set(np.unique(m[:, _column("protocol")][~np.isnan(m[:, _column("protocol")])])) <= {1.0, 6.0, 17.0}
    assert np.isnan(m[:, _column("tcp_psh_seen")]).all()  # Zeek's history does not say
    assert not np.isnan(m[:, _column("tcp_syn_seen")]).all()
    assert np.isnan(m[:, _column("flow_iat_mean")]).all()  # a CICFlowMeter statistic
    assert set(flows.labels) <= {"Malicious", BENIGN, None} and "Malicious" in set(flows.labels)


def test_mixed_batches_keep_only_flows_in_row_order(shared_data, tmp_path):
    eve = shared_data / "network-logs/stratosphere-slips/test6-malicious.suricata.json.gz"
    table = _events(eve, _head(shared_data / "cicids2017/train.csv.gz", 51, tmp_path))
    flows = extract(table)
    assert len(flows) == 50
    datasets = table.column("event.dataset").to_pylist()
    assert all(datasets[r] == "cicflowmeter" for r in flows.rows)
    assert list(flows.rows) == sorted(flows.rows)
    assert len(extract(_events(eve))) == 0


def test_hostile_columns_become_missing():
    table = pa.table({
        "event.dataset": ["netflow", "netflow", "cicflowmeter"],
        "netflow.IN_PKTS": ["12", "lots", None],  # text where numbers belong
        "netflow.TCP_FLAGS": [18, None, None],
        "cicflowmeter.Flow Bytes/s": [None, None, float("inf")],
    })
    flows = extract(table)
    assert flows.matrix[0, _column("fwd_packets")] == 12 and np.isnan(flows.matrix[1, _column("fwd_packets")])
    assert flows.matrix[0, _column("tcp_syn_seen")] == 1 and flows.matrix[0, _column("tcp_fin_seen")] == 0
    assert np.isnan(flows.matrix[2, _column("flow_bytes_s")])
    assert flows.labels.tolist() == [None, None, None]


def test_readme_documents_the_mapping():
    assert feature_table() in README.read_text()
