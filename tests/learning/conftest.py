"""Flows of the shared CIC-IDS2017 sample, and a small model trained on them (once per session)."""

from __future__ import annotations

import csv
import gzip

import pytest

from cybershield.learning import FlowScorer, load_flows, subsample, time_split


@pytest.fixture(scope="session")
def cic_path(shared_data):
    return shared_data / "cicids2017" / "train.csv.gz"


@pytest.fixture(scope="session")
def cic_flows(cic_path):
    features, summary = load_flows([cic_path])
    assert summary.quarantined == 0
    return features


@pytest.fixture(scope="session")
def small_flows(cic_flows):
    return subsample(cic_flows, 200)


@pytest.fixture(scope="session")
def small_scorer(small_flows):
    """Trained on the earlier 70% of each label of the small sample (the rest is for testing)."""
    train, _ = time_split(small_flows, 0.3)
    return FlowScorer.train(small_flows.take(train), rounds=30, prototypes=32)


@pytest.fixture(scope="session")
def cic_periods(cic_path, tmp_path_factory):
    """Two small CICFlowMeter files of the shared sample: per label, its earliest flows (at most 40) and
    its latest (at most 15): a model's training file and a separate, later test file."""
    folder = tmp_path_factory.mktemp("periods")
    with gzip.open(cic_path, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        by_label: dict[str, list[list[str]]] = {}
        for row in reader:  # the rows are in time order
            by_label.setdefault(row[header.index("Label")], []).append(row)
    paths = []
    for name, pick in (("early.csv", lambda rows: rows[:min(40, int(0.6 * len(rows)))]),
                       ("late.csv", lambda rows: rows[len(rows) - min(15, int(0.3 * len(rows))):])):
        with open(folder / name, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(row for rows in by_label.values() for row in pick(rows))
        paths.append(folder / name)
    return tuple(paths)
