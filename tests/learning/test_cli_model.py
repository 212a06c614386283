"""End to end, as CI runs it: train a small model from the CLI, evaluate it, read the JSON and the report."""

from __future__ import annotations

import gzip
import itertools
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
    assert missing.exit_code == 2 and "there is no model 'nope'" in " ".join(missing.output.split())
    unlabelled = shared_data / "network-logs/stratosphere-slips/test9-mixed-zeek-dir/conn.log"
    result = runner.invoke(app, ["model", "train", "--data", str(unlabelled), "--out", "x", "--registry", registry])
    assert result.exit_code == 2 and "no labelled flows" in result.output
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


def _train(registry: str, data, name: str = "early") -> None:
    result = runner.invoke(app, ["model", "train", "--data", str(data), "--out", name, "--holdout", "0", "--rounds",
                                 "10", "--prototypes", "8", "--budget", "0.05", "--registry", registry, "--json"])
    assert result.exit_code == 0, result.output


def _evaluate(registry: str, *options: str):
    return runner.invoke(app, ["model", "evaluate", "--model", "early", "--registry", registry, *options])


def test_evaluate_every_flow_of_a_separate_test_file(tmp_path, cic_periods):
    """--test-fraction 1 scores every labelled flow of the test file; the baselines learn from the model's own
    training file; without that file (or with another one under its name) they are left out, with a note."""
    early, late = cic_periods
    registry = str(tmp_path / "models")
    _train(registry, early)
    flows = sum(1 for _ in late.open()) - 1
    result = _evaluate(registry, "--data", str(late), "--test-fraction", "1", "--report", str(tmp_path / "r"),
                       "--no-leave-one-out", "--json")
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)
    assert m["split"]["test_flows"] == flows == sum(v["support"] for v in m["per_class"].values())
    assert m["split"]["train_flows"] == sum(1 for _ in early.open()) - 1  # the model's training flows
    assert m["notes"] == [] and 0 < m["baselines"]["random_forest"]["macro_f1"] <= 1
    assert "leave_one_family_out" not in m

    moved = early.with_name("moved.csv")
    early.rename(moved)
    try:
        gone = _evaluate(registry, "--data", str(late), "--test-fraction", "1", "--report", str(tmp_path / "r"))
        assert gone.exit_code == 0, gone.output
        assert "training files are not here" in " ".join(gone.output.split())
        m = json.loads(_evaluate(registry, "--data", str(late), "--test-fraction", "1", "--report",
                                 str(tmp_path / "r"), "--no-leave-one-out", "--json").stdout)
        assert m["notes"][0].endswith(f"are not here: {early}") and "baselines" not in m
        assert m["split"]["test_flows"] == flows
        early.write_text(late.read_text())  # another file under the training file's name
        changed = _evaluate(registry, "--data", str(late), "--test-fraction", "1", "--report", str(tmp_path / "r"),
                            "--json")
        m = json.loads(changed.stdout)
        assert "baselines" not in m and "fingerprint differs" in m["notes"][0]
        assert m["split"]["test_flows"] == flows
    finally:
        moved.replace(early)


def test_evaluating_on_another_flow_format_says_so(tmp_path, cic_periods, shared_data):
    early, _ = cic_periods
    registry = str(tmp_path / "models")
    _train(registry, early)
    netflow = tmp_path / "netflow.csv"
    with gzip.open(shared_data / "netflow-v2" / "botiot_reduced.csv.gz", "rt") as handle:
        netflow.write_text("".join(itertools.islice(handle, 300)))
    result = _evaluate(registry, "--data", str(netflow), "--test-fraction", "1", "--no-baselines",
                       "--no-leave-one-out", "--report", str(tmp_path / "r"), "--json")
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)
    assert "duration_s" not in m["missing_features"] and "fwd_iat_mean" in m["missing_features"]
    assert "features the model learnt from are missing in every test flow" in m["notes"][0]
    same = json.loads(_evaluate(registry, "--data", str(cic_periods[1]), "--test-fraction", "1", "--no-baselines",
                                "--no-leave-one-out", "--report", str(tmp_path / "r"), "--json").stdout)
    assert same["missing_features"] == [] and same["notes"] == []


def test_no_flag_combination_of_evaluate_ends_in_a_traceback(tmp_path, cic_periods):
    early, late = cic_periods
    registry = str(tmp_path / "models")
    _train(registry, early)
    report = ["--report", str(tmp_path / "r")]
    for fraction, switches in ((["--test-fraction", "1"], []), (["--test-fraction", "1"], ["--no-baselines"]),
                               (["--test-fraction", "1"], ["--no-leave-one-out"]),
                               ([], ["--no-baselines", "--no-leave-one-out"])):
        result = _evaluate(registry, "--data", str(late), *fraction, *switches, *report, "--json")
        assert result.exit_code == 0, (fraction, switches, result.output)
        m = json.loads(result.stdout)
        assert ("baselines" in m) == ("--no-baselines" not in switches)
        assert ("leave_one_family_out" in m) == ("--no-leave-one-out" not in switches)
        # the training file itself: every flow was learnt from (hold-out 0), so it is refused
        result = _evaluate(registry, "--data", str(early), *fraction, *switches, *report)
        assert result.exit_code == 2 and "latest flow the model learnt from" in result.output
    (tmp_path / "a-file").write_text("")
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("\n".join(line.rsplit(",", 2)[0] + ",," for line in late.read_text().splitlines()))
    bad = {
        ("--test-fraction", "0"): "--test-fraction must be in (0, 1]",
        ("--test-fraction", "1.5"): "--test-fraction must be in (0, 1]",
        ("--test-fraction", "-1"): "--test-fraction must be in (0, 1]",
        ("--test-fraction", "nan"): "--test-fraction must be in (0, 1]",
        ("--test-fraction", "0.001", "--max-per-class", "5"): "no flow at all",
        ("--max-per-class", "0"): "--max-per-class must be at least 1",
        ("--version", "9"): "has no version 9",
        ("--version", "-1"): "has no version -1",
        ("--report", str(tmp_path / "a-file")): "cannot write the report",
    }
    for options, message in bad.items():
        result = _evaluate(registry, "--data", str(late), *options, *(report if "--report" not in options else []))
        assert result.exit_code == 2 and message in result.output, (options, result.output)
    for data, message in ((tmp_path / "absent.csv", "no such file"), (unlabelled, "no labelled flows")):
        result = _evaluate(registry, "--data", str(data), *report)
        assert result.exit_code == 2 and message in result.output, (data, result.output)
    result = runner.invoke(app, ["model", "evaluate", "--model", "other", "--data", str(late), "--registry", registry])
    assert result.exit_code == 2 and "there is no model 'other'" in " ".join(result.output.split())
    (tmp_path / "models" / "early" / "1" / "detector.lgb.txt").unlink()
    result = _evaluate(registry, "--data", str(late), *report)
    assert result.exit_code == 2 and "is missing" in " ".join(result.output.split())


def test_train_refuses_options_out_of_range(tmp_path, cic_periods):
    early, _ = cic_periods
    for options, message in ((("--rounds", "0"), "--rounds must be at least 1"),
                             (("--prototypes", "-2"), "--prototypes must be at least 1"),
                             (("--max-per-class", "0"), "--max-per-class must be at least 1"),
                             (("--holdout", "1"), "--holdout must be in [0, 1)"),
                             (("--budget", "0"), "--budget must be in (0, 1)")):
        result = runner.invoke(app, ["model", "train", "--data", str(early), "--out", "x", *options, "--registry",
                                     str(tmp_path / "models")])
        assert result.exit_code == 2 and message in result.output, (options, result.output)
    assert not (tmp_path / "models").exists()
