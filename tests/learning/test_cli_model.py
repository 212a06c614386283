"""End to end, as CI runs it: train a small model from the CLI, evaluate it, read the JSON and the report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cybershield.cli import app

runner = CliRunner()


def test_train_then_evaluate_json_and_report(tmp_path, cic_path):
    registry = str(tmp_path / "models")
    # 140 benign training flows per label cannot resolve a 0.1% budget: ask for 5% on this small sample
    trained = runner.invoke(app, ["model", "train", "--data", str(cic_path), "--out", "ci", "--max-per-class", "200",
                                  "--rounds", "60", "--prototypes", "32", "--budget", "0.05", "--registry", registry,
                                  "--json"])
    assert trained.exit_code == 0, trained.output
    card = json.loads(trained.stdout)
    assert card["version"] == 1 and card["metrics"]["macro_f1"] > 0

    report = tmp_path / "report"
    result = runner.invoke(app, ["model", "evaluate", "--model", "ci", "--data", str(cic_path), "--max-per-class",
                                 "200", "--registry", registry, "--report", str(report), "--json"])
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)
    assert m["model"] == {"name": "ci", "version": 1}
    assert sum(v["support"] for v in m["per_class"].values()) == m["split"]["test_flows"]
    assert m["split"]["excluded_as_seen_period"] == 0  # the held-out flows are all later than the training ones
    assert len(m["per_class"]) == 16 and m["per_class"]["Heartbleed"]["support"] >= 1
    for v in m["per_class"].values():
        assert 0 <= v["precision"] <= 1 and 0 <= v["recall"] <= 1
    # the same held-out flows the train command scored: identical figures
    assert m["macro_f1"] == card["metrics"]["macro_f1"] and m["benign_fpr"] == card["metrics"]["benign_fpr"]
    assert m["budget"] == 0.05 and m["benign_fpr"] <= 0.1
    assert m["macro_f1"] > 0.8 > 0.5 > m["baselines"]["majority"]["macro_f1"]
    assert 0.5 < m["baselines"]["random_forest"]["macro_f1"] <= 1
    assert all(0 <= auc <= 1 for auc in m["anomaly_auc"].values()) and m["anomaly_auc_mean"] > 0.8
    assert set(m["leave_one_family_out"]) == set(m["per_class"]) - {"BENIGN"}
    for name in ("index.html", "confusion.png", "per_class.png", "roc_anomaly.png", "roc_classifier.png"):
        assert (report / name).stat().st_size > 1000
    assert (report / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Leave one family out" in (report / "index.html").read_text()

    listed = runner.invoke(app, ["model", "list", "--registry", registry, "--json"])
    assert json.loads(listed.stdout)[0]["active"] is True


def test_bad_requests_are_refused_with_reasons(tmp_path, cic_path, shared_data):
    registry = str(tmp_path / "models")
    missing = runner.invoke(app, ["model", "evaluate", "--model", "nope", "--data", str(cic_path),
                                  "--registry", registry])
    assert missing.exit_code == 2 and "no version" in missing.output
    unlabelled = shared_data / "network-logs/stratosphere-slips/test9-mixed-zeek-dir/conn.log"
    result = runner.invoke(app, ["model", "train", "--data", str(unlabelled), "--out", "x", "--registry", registry])
    assert result.exit_code == 1 and "no labelled flows" in result.output
    result = runner.invoke(app, ["model", "train", "--data", str(tmp_path / "absent.csv"), "--out", "x",
                                 "--registry", registry])
    assert result.exit_code == 2
    result = runner.invoke(app, ["model", "train", "--data", str(cic_path), "--out", "../escape",
                                 "--max-per-class", "40", "--rounds", "5", "--registry", registry])
    assert result.exit_code == 2 and "bad model name" in result.output and not (tmp_path / "escape").exists()
    # a model that learnt from all of this data cannot be evaluated on it
    full = runner.invoke(app, ["model", "train", "--data", str(cic_path), "--out", "all", "--holdout", "0",
                               "--max-per-class", "60", "--rounds", "5", "--prototypes", "8", "--registry", registry])
    assert full.exit_code == 0, full.output
    for sample in ("60", "90"):  # the same sample, or another one of the same file: never scored on seen flows
        leaky = runner.invoke(app, ["model", "evaluate", "--model", "all", "--data", str(cic_path), "--max-per-class",
                                    sample, "--registry", registry])
        assert leaky.exit_code == 2 and "latest flow the model learnt from" in leaky.output
