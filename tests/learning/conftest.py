"""Flows of the shared CIC-IDS2017 sample, and a small model trained on them (once per session)."""

from __future__ import annotations

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
