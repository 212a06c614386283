"""Calibration, the classifier, the anomaly detector, time splits and the registry."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest

from cybershield.learning import (
    BENIGN,
    FEATURE_NAMES,
    FlowClassifier,
    FlowFeatures,
    FlowModel,
    ModelRegistry,
    PrototypeAnomalyDetector,
    fingerprint,
    time_split,
)
from cybershield.learning.calibration import BenignTail, threshold_for_budget
from cybershield.learning.classifier import FAMILY_MEMBERS, SIBLING_MEMBERS, SIBLINGS
from cybershield.learning.features import TIMING_FEATURES
from cybershield.learning.scorer import calibrated
from cybershield.learning.splits import calibration_folds


def test_threshold_keeps_within_the_budget():
    scores = np.arange(2000, dtype=float)
    t = threshold_for_budget(scores, 0.001)
    assert (scores >= t).sum() == 2 and (scores >= np.nextafter(t, -np.inf)).sum() == 3
    assert threshold_for_budget(scores, 0.0) > scores.max()
    with pytest.raises(ValueError):
        threshold_for_budget(np.array([]), 0.001)


def test_benign_tail_is_increasing_and_bounded():
    tail = BenignTail.fit(np.random.default_rng(0).exponential(size=5000))
    raw = np.linspace(-1, 100, 5000)
    calibrated = tail(raw)
    assert (np.diff(calibrated) >= 0).all() and calibrated.min() >= 0 and calibrated.max() < 1
    assert calibrated[-1] > tail(np.array([20.0]))[0]  # still ranks beyond every benign score


def _blobs(rng, counts: dict[str, int], width: int = len(FEATURE_NAMES)) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for k, (label, n) in enumerate(counts.items()):
        center = np.zeros(width)
        center[k * 3:(k + 1) * 3] = 0 if label == BENIGN else 50
        rows.append(rng.normal(center, 1.0, size=(n, width)))
        labels += [label] * n
    return np.vstack(rows).astype(np.float32), np.array(labels, dtype=object)


def test_rare_families_are_learnt_and_scores_calibrated():
    rng = np.random.default_rng(1)
    counts = {BENIGN: 600, "DoS": 600, "Heartbleed": 6}
    matrix, labels = _blobs(rng, counts)
    cal = _blobs(rng, {BENIGN: 400, "DoS": 100, "Heartbleed": 3})
    model = FlowClassifier(budget=0.01, rounds=30, family_rounds=30)
    model.learn(matrix, labels)
    model.calibrate(model.raw(cal[0]), cal[1])
    assert isinstance(model, FlowModel)
    test_matrix, test_labels = _blobs(rng, {BENIGN: 300, "DoS": 50, "Heartbleed": 5})
    predicted = model.predict(test_matrix)
    assert (predicted[test_labels == "Heartbleed"] == "Heartbleed").all()
    assert (predicted[test_labels == BENIGN] == BENIGN).mean() >= 0.97
    scores = model.score(test_matrix)
    assert np.median(scores[test_labels != BENIGN]) > 0.9 and np.median(scores[test_labels == BENIGN]) < 0.1
    contrib = model.contributions(test_matrix[test_labels == "Heartbleed"])
    assert contrib.shape == (5, len(FEATURE_NAMES)) and contrib.sum(axis=1).min() > 0
    with pytest.raises(ValueError):
        FlowClassifier().learn(matrix[labels == BENIGN], labels[labels == BENIGN])


def test_family_figure_does_not_depend_on_the_alerts(small_scorer, small_flows):
    """``family_macro_f1`` scores the family model's names on every attack test flow: a scorer that alerts on
    nothing has a macro-F1 of the benign class alone but the same family figure."""
    from cybershield.learning import evaluate

    normal = evaluate(small_flows, scorer=small_scorer, leave_one_out=False, baselines=False).metrics
    silent = copy.deepcopy(small_scorer)
    silent.classifier.raw_threshold = silent.anomaly.raw_threshold = float("inf")
    blind = evaluate(small_flows, scorer=silent, leave_one_out=False, baselines=False).metrics
    assert blind["benign_fpr"] == 0 and blind["macro_f1"] < 0.1 < 0.8 < normal["macro_f1"]
    assert blind["family_macro_f1"] == normal["family_macro_f1"] > 0.8


def test_anomaly_detector_learns_benign_only():
    rng = np.random.default_rng(2)
    benign = rng.lognormal(3, 0.5, size=(2000, len(FEATURE_NAMES))).astype(np.float32)
    benign[:, 50:] = np.nan  # features this format does not measure
    labels = np.full(2000, BENIGN, dtype=object)
    detector = PrototypeAnomalyDetector(budget=0.01, prototypes=16)
    detector.learn(benign[:1500], labels[:1500])
    detector.calibrate(detector.raw(benign[1500:]), labels[1500:])
    fresh = rng.lognormal(3, 0.5, size=(1000, len(FEATURE_NAMES))).astype(np.float32)
    odd = fresh[:50].copy()
    odd[:, 7] *= 1000  # one feature far outside benign traffic
    assert detector.alerts(fresh).mean() < 0.03
    assert detector.alerts(odd).all()
    assert (detector.contributions(odd).argmax(axis=1) == 7).all()
    assert (detector.score(odd) > detector.score(fresh).max()).all()


def test_calibration_uses_only_unseen_flows(small_flows):
    """Cross-fitting: each fold's scores come from a model that never saw that fold."""
    seen = []
    n = len(small_flows)
    numbered = FlowFeatures(np.arange(n, dtype=np.float32)[:, None], np.arange(n), small_flows.labels,
                            small_flows.time, small_flows.datasets)  # column 0: the flow's number

    class Recorder:
        def learn(self, matrix, labels):
            seen.append(set(matrix[:, 0]))

        def raw(self, matrix):
            assert not set(matrix[:, 0]) & seen[-1]
            return matrix[:, 0]

        def calibrate(self, raw, labels):
            self.raw_seen = raw

    model = calibrated(lambda final: Recorder(), numbered, folds=3)
    assert len(seen) == 4 and len(seen[-1]) == n  # three fold models, then the final one on everything
    np.testing.assert_array_equal(model.raw_seen, np.arange(n))  # every flow scored once, in place
    folds = calibration_folds(small_flows, 3)
    for label in set(small_flows.labels):
        counts = np.bincount(folds[small_flows.labels == label], minlength=3)
        assert counts.max() - counts.min() <= 1


def test_time_split_is_per_label_and_time_ordered(small_flows):
    train, test = time_split(small_flows, 0.3)
    assert not set(train) & set(test) and len(train) + len(test) == len(small_flows)
    for label in set(small_flows.labels):
        tr = small_flows.time[train][small_flows.labels[train] == label]
        te = small_flows.time[test][small_flows.labels[test] == label]
        assert tr.max() <= te.min(), label
    with pytest.raises(ValueError):
        time_split(FlowFeatures(np.zeros((2, 3)), np.arange(2), np.array([None, None]), np.arange(2),
                                np.array(["netflow"] * 2)), 0.3)


def test_registry_round_trip_versions_and_tampering(tmp_path, small_scorer, small_flows):
    registry = ModelRegistry(tmp_path / "models")
    first = registry.register("cic", small_scorer, data_fingerprint=fingerprint(small_flows), training={},
                              metrics={})
    second = registry.register("cic", small_scorer, data_fingerprint="x", training={}, metrics={}, activate=False)
    assert (first.version, second.version, registry.active_version("cic")) == (1, 2, 1)
    assert (first.path / "MODEL_CARD.md").read_text().startswith("# Model card: cic v1")
    loaded_version, loaded = registry.load("cic")
    assert loaded_version.version == 1
    sample = small_flows.matrix[:300]
    np.testing.assert_array_equal(loaded.assess(sample).alert, small_scorer.assess(sample).alert)
    np.testing.assert_allclose(loaded.assess(sample).score, small_scorer.assess(sample).score)
    registry.activate("cic", 2)
    assert registry.load("cic")[0].version == 2
    (second.path / "anomaly.npz").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="digest"):
        registry.load("cic")
    with pytest.raises(LookupError):
        registry.get("cic", 7)
    for bad in ("../etc", ".hidden", "a/b", ""):
        with pytest.raises(ValueError):
            registry.versions(bad)


def test_a_missing_model_or_active_version_is_named_not_none(tmp_path, small_scorer):
    registry = ModelRegistry(tmp_path / "models")
    with pytest.raises(LookupError, match=r"there is no model 'cic' in .* \(models: none\); train one") as caught:
        registry.load("cic")
    registry.register("other", small_scorer, data_fingerprint="x", training={}, metrics={})
    with pytest.raises(LookupError, match=r"\(models: other\)"):
        registry.get("cic")
    registry.register("cic", small_scorer, data_fingerprint="x", training={}, metrics={}, activate=False)
    with pytest.raises(LookupError, match=r"model 'cic' has no active version .* \(versions: 1\); name one") as idle:
        registry.load("cic")
    with pytest.raises(LookupError, match=r"model 'cic' has no version 3 .* \(versions: 1\)"):
        registry.get("cic", 3)
    assert "None" not in str(caught.value) + str(idle.value)
    assert registry.get("cic", 1).version == 1


def test_fingerprint_changes_with_data(small_flows):
    other = small_flows.take(np.arange(len(small_flows) - 1))
    assert fingerprint(small_flows) == fingerprint(small_flows.take(np.arange(len(small_flows))))
    assert fingerprint(small_flows) != fingerprint(other)


def test_fast_alert_decision_is_the_full_one(small_scorer, cic_flows):
    """The staged trees, the blocked anomaly distances and the anomaly-on-what-passed shortcut change
    the cost of the decision, never its answer, wherever the thresholds sit: even a threshold equal to
    flows' scores, and whatever other flows share the batch (a float32 BLAS product rounds a flow's
    distance differently in batches of other shapes)."""
    matrix = cic_flows.matrix
    classifier, anomaly = small_scorer.classifier, small_scorer.anomaly
    raw, distance = classifier.raw(matrix), anomaly.raw(matrix)
    # float32 |z|^2 - 2 z.p + |p|^2 in another order: equal up to rounding (which shows near distance 0)
    np.testing.assert_allclose(distance, anomaly._nearest(anomaly._standardise(matrix))[1], rtol=1e-4, atol=0.02)
    kept = classifier.raw_threshold, anomaly.raw_threshold
    rng = np.random.default_rng(0)
    try:
        for q in (0.05, 0.5, 0.9, 0.999):
            classifier.raw_threshold = float(np.quantile(raw, q))
            anomaly.raw_threshold = float(np.quantile(distance, q))  # many flows score exactly this
            by_anomaly = anomaly.raw(matrix) >= anomaly.raw_threshold
            full = (raw >= classifier.raw_threshold) | by_anomaly
            np.testing.assert_array_equal(classifier.alerts(matrix), raw >= classifier.raw_threshold)
            np.testing.assert_array_equal(classifier.alerts(matrix[:10]), raw[:10] >= classifier.raw_threshold)
            np.testing.assert_array_equal(small_scorer.alerts(matrix), full)
            np.testing.assert_array_equal(small_scorer.assess(matrix).alert, full)
            some = np.sort(rng.choice(len(matrix), 3000, replace=False))
            np.testing.assert_array_equal(anomaly.alerts(matrix[some]), by_anomaly[some])
            np.testing.assert_array_equal(small_scorer.alerts(matrix[some]), full[some])
            alone = [bool(anomaly.alerts(matrix[i:i + 1])[0]) for i in some[:50]]
            np.testing.assert_array_equal(alone, by_anomaly[some[:50]])
    finally:
        classifier.raw_threshold, anomaly.raw_threshold = kept


def test_anomaly_distance_is_in_each_prototypes_spread():
    """Two kinds of benign traffic (apart in features 2-9), one loose in feature 0 and tight in feature 1, the
    other the other way round: the same step away from the first kind is anomalous along its tight
    feature, ordinary along its loose one. A Euclidean distance on globally scaled features (both have the
    same global spread) scores both steps about alike."""
    rng = np.random.default_rng(3)
    width = len(FEATURE_NAMES)
    benign = np.full((2000, width), np.nan, dtype=np.float32)
    log_a = np.c_[rng.normal(5, 2.0, 1000), rng.normal(5, 0.05, 1000), rng.normal(2, 0.05, (1000, 8))]
    log_b = np.c_[rng.normal(6, 0.05, 1000), rng.normal(6, 2.0, 1000), rng.normal(10, 0.05, (1000, 8))]
    benign[:, :10] = np.expm1(np.r_[log_a, log_b])
    detector = PrototypeAnomalyDetector(prototypes=2)
    detector.learn(benign, np.full(2000, BENIGN, dtype=object))
    steps = np.full((2, width), np.nan, dtype=np.float32)
    steps[:, :10] = np.expm1([[8, 5] + [2] * 8, [5, 8] + [2] * 8])  # 3 up the first kind's loose / tight feature
    ordinary, odd = detector.raw(steps)
    assert odd > 1.5 * ordinary
    spread = detector.precision
    detector.precision = np.ones_like(spread)  # Euclidean, as before the spreads
    euclidean = detector.raw(steps)
    assert euclidean[1] < 1.1 * euclidean[0]
    detector.precision = spread
    assert detector.contributions(steps[1:])[0].argmax() == 1


def test_an_anomaly_detector_from_an_older_version_is_refused(small_scorer):
    files = small_scorer.anomaly.to_files()
    with np.load(io.BytesIO(files["anomaly.npz"])) as arrays:
        older = {k: arrays[k] for k in arrays.files if k != "precision"}
    stripped = io.BytesIO()
    np.savez(stripped, **older)
    with pytest.raises(ValueError, match="retrain"):
        PrototypeAnomalyDetector.from_files({**files, "anomaly.npz": stripped.getvalue()})
    assert PrototypeAnomalyDetector.from_files(files).precision.shape == small_scorer.anomaly.prototypes.shape


def test_family_model_is_an_average_of_bagged_boosters_and_older_single_ones_load(small_scorer, small_flows):
    classifier = small_scorer.classifier
    assert len(classifier.families) == FAMILY_MEMBERS
    files = classifier.to_files()
    assert {f"families.{k}.lgb.txt" for k in range(1, FAMILY_MEMBERS)} <= set(files)
    alerted = small_flows.matrix[small_flows.labels != BENIGN][:200]
    np.testing.assert_array_equal(FlowClassifier.from_files(files).family(alerted), classifier.family(alerted))
    older = {name: content for name, content in files.items() if not name.startswith("families.")
             or name == "families.lgb.txt"}  # what a version with one family booster wrote
    single = FlowClassifier.from_files(older)
    assert len(single.families) == 1
    only_first = classifier.families[0].predict(alerted).argmax(axis=1)
    np.testing.assert_array_equal(single.family(alerted), np.asarray(classifier.family_names)[only_first])


def test_slow_dos_pair_is_named_by_what_it_sends_not_its_timers(small_scorer, small_flows):
    """Between Slowloris and slowhttptest the sibling model decides, and it reads no timing feature: giving
    slowhttptest flows Slowloris's durations, gaps and idle times does not move a name inside the pair."""
    classifier = small_scorer.classifier
    assert len(classifier.siblings) == SIBLING_MEMBERS
    assert {member.num_feature() for member in classifier.siblings} == {len(FEATURE_NAMES) - len(TIMING_FEATURES)}
    slow = small_flows.matrix[small_flows.labels == SIBLINGS[0]]
    other = small_flows.matrix[small_flows.labels == SIBLINGS[1]][:len(slow)]
    timed = [j for j, name in enumerate(FEATURE_NAMES) if name in TIMING_FEATURES]
    assert {"duration_s", "flow_iat_max", "idle_min", "flow_bytes_s"} <= TIMING_FEATURES
    assert "fwd_packet_length_max" not in TIMING_FEATURES
    moved = slow.copy()
    moved[:, timed] = other[:, timed]
    before, after = classifier.family(slow), classifier.family(moved)
    both = np.isin(before, SIBLINGS) & np.isin(after, SIBLINGS)
    assert both.sum() > len(slow) / 2 and (before[both] == after[both]).all()
    assert (before == SIBLINGS[0]).mean() > 0.9


def test_sibling_model_round_trips_and_older_models_without_it_load(small_scorer, small_flows):
    classifier = small_scorer.classifier
    files = classifier.to_files()
    assert {f"siblings.{k}.lgb.txt" for k in range(SIBLING_MEMBERS)} <= set(files)
    attacks = small_flows.matrix[small_flows.labels != BENIGN]
    np.testing.assert_array_equal(FlowClassifier.from_files(files).family(attacks), classifier.family(attacks))
    older = FlowClassifier.from_files({k: v for k, v in files.items() if not k.startswith("siblings.")})
    assert older.siblings == []
    probability = sum(member.predict(attacks) for member in classifier.families)
    np.testing.assert_array_equal(older.family(attacks), np.asarray(classifier.family_names)[probability.argmax(axis=1)])
