"""Supervised flow classifier: LightGBM, class-weighted so that rare families still count.

Two parts: a binary *detector* (attack vs benign) whose calibrated score decides the alert,
and a multi-class *families* model, trained on attack flows only, that names the family of
each alerted flow: ``FAMILY_MEMBERS`` boosters, each on its own bagged rows and feature subsets,
their probabilities averaged (a single booster names a family from whichever few features its
splits happened to use, which fails when a later attack phase shifts those). The detector is what runs on every flow, so it is kept small; the family
model only runs on what alerts. Both weight every class to the same total (balanced weights; the
detector gives benign half and each family an equal share of the other half), so Heartbleed's
handful of flows weigh as much as DoS Hulk's thousands.
"""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np

from .calibration import Platt, threshold_for_budget
from .features import BENIGN, FEATURE_NAMES, TIMING_FEATURES

#: Bagging and a little L2 keep the detector's top scores from saturating on a handful of flows, which
#: made the false-positive threshold jump (measured on the CIC-IDS2017 time split: benign FPR 0.57% -> 0.19%).
DETECTOR_PARAMS = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 3,
                   "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
                   "num_threads": 1, "verbose": -1, "seed": 0, "deterministic": True}
#: Leaves of at least 5 flows and half of the features per tree: on the four validation splits of
#: ``bench/model_scoring.py --later-period`` (all inside the earliest 70 % of each label) the family model alone
#: names attack flows with macro-F1 0.924 -> 0.932 (mean; leaves of 2 and 80 % of the features before), DoS
#: GoldenEye F1 on the gap split 0.901 -> 0.936 and, with ``Total TCP Flow Time`` gone, Slowhttptest flows named
#: Slowloris on the wide gap split 153 -> 1.
FAMILY_PARAMS = {"objective": "multiclass", "num_leaves": 15, "learning_rate": 0.1, "min_data_in_leaf": 5,
                 "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.5,
                 "num_threads": 1, "verbose": -1, "seed": 0, "deterministic": True}
#: Family boosters averaged (seeds 0..n-1). Chosen on validation splits inside the earliest 70 % of each label
#: of CIC-IDS2017 (``bench/model_scoring.py --later-period``): macro-F1 0.862 -> 0.926 and 0.825 -> 0.857
#: over one unbagged booster; on the later-period gap test split 0.896 -> 0.906 (DoS GoldenEye named Hulk
#: 16 -> 0 flows). The alert decision does not use it: the benign false-positive rate is unchanged.
FAMILY_MEMBERS = 5
#: Families that one tool's timers cannot tell apart but its requests can: among the flows the family model
#: names either, a binary model that never sees ``TIMING_FEATURES`` decides which. Slowloris and slowhttptest
#: both hold connections open for about 100 s; what differs is what they send (Slowloris: 231-byte partial
#: requests and 8-byte header lines; slowhttptest: 356-520-byte requests, 10-12-byte lines). Within the
#: validation period (earliest 70 % of each label) slowhttptest's durations and idle times drifted towards
#: Slowloris's (110 s -> 105 s over its first 30 %) while its request sizes held. On the validation splits of
#: ``bench/model_scoring.py --later-period`` and a 7-block time cross-validation it changes no F1 by more than
#: one flow; it is there for a later period whose timers differ.
SIBLINGS = ("DoS Slowhttptest", "DoS Slowloris")
SIBLING_PARAMS = {"objective": "binary", "num_leaves": 7, "learning_rate": 0.1, "min_data_in_leaf": 5,
                  "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.5,
                  "num_threads": 1, "verbose": -1, "seed": 0, "deterministic": True}
SIBLING_MEMBERS = 3
_UNTIMED = np.array([j for j, name in enumerate(FEATURE_NAMES) if name not in TIMING_FEATURES])


#: Where the staged alert decision checks which flows are settled (shares of the detector's trees).
STAGES = (0.3, 0.7)
STAGED_FROM = 256
MARGIN = 1e-6


def _leaf_values(node: dict) -> list[float]:
    if "leaf_value" in node:
        return [node["leaf_value"]]
    return _leaf_values(node["left_child"]) + _leaf_values(node["right_child"])


def balanced_weights(labels: np.ndarray) -> np.ndarray:
    """Each class gets the same total weight (scikit-learn's "balanced")."""
    classes, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return (len(labels) / (len(classes) * counts))[index]


def detector_weights(labels: np.ndarray) -> np.ndarray:
    """Benign flows get half of the total weight, each attack family an equal share of the other half."""
    is_attack = labels != BENIGN
    weights = np.where(is_attack, 0.0, len(labels) / (2.0 * max((~is_attack).sum(), 1)))
    weights[is_attack] = balanced_weights(labels[is_attack]) / 2.0
    return weights


class FlowClassifier:
    kind = "classifier"

    def __init__(self, budget: float = 0.001, rounds: int = 100, family_rounds: int = 100):
        """``family_rounds=0`` learns the detector alone (leave-one-family-out needs no families)."""
        self.budget = budget
        self.rounds = rounds
        self.family_rounds = family_rounds
        self.detector: lgb.Booster | None = None
        self.families: list[lgb.Booster] = []  # empty: one family, or families not learnt
        self.siblings: list[lgb.Booster] = []  # empty: not both of SIBLINGS learnt
        self.family_names: list[str] = []
        self.platt = Platt()
        self.raw_threshold = float("inf")
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def threshold(self) -> float:
        return float(self.platt(np.array([self.raw_threshold]))[0])

    def learn(self, matrix: np.ndarray, labels: np.ndarray) -> None:
        is_attack = labels != BENIGN
        if is_attack.all() or not is_attack.any():
            raise ValueError("the classifier needs both benign and attack flows to learn from")
        self._bounds = None
        self.detector = lgb.train(DETECTOR_PARAMS, lgb.Dataset(matrix, is_attack.astype(int),
                                                               weight=detector_weights(labels)),
                                  num_boost_round=self.rounds)
        attacks = labels[is_attack]
        self.family_names = sorted(set(attacks))
        self.families = []
        if len(self.family_names) > 1 and self.family_rounds > 0:
            index = {name: i for i, name in enumerate(self.family_names)}
            data = lgb.Dataset(matrix[is_attack], np.array([index[a] for a in attacks]),
                               weight=balanced_weights(attacks), free_raw_data=False)
            self.families = [lgb.train({**FAMILY_PARAMS, "num_class": len(self.family_names), "seed": seed}, data,
                                       num_boost_round=self.family_rounds) for seed in range(FAMILY_MEMBERS)]
        self.siblings = []
        if set(SIBLINGS) <= set(self.family_names) and self.family_rounds > 0:
            pair = np.isin(labels, SIBLINGS)
            data = lgb.Dataset(matrix[pair][:, _UNTIMED], (labels[pair] == SIBLINGS[0]).astype(int),
                               weight=balanced_weights(labels[pair]), free_raw_data=False)
            self.siblings = [lgb.train({**SIBLING_PARAMS, "seed": seed}, data, num_boost_round=self.family_rounds)
                             for seed in range(SIBLING_MEMBERS)]

    def calibrate(self, raw: np.ndarray, labels: np.ndarray) -> None:
        self.platt = Platt().fit(raw, labels != BENIGN)
        self.raw_threshold = threshold_for_budget(raw[labels == BENIGN], self.budget)

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """The detector's log-odds of attack."""
        return self.detector.predict(matrix, raw_score=True, num_threads=1)

    def score(self, matrix: np.ndarray) -> np.ndarray:
        return self.platt(self.raw(matrix))

    def alerts(self, matrix: np.ndarray) -> np.ndarray:
        """``raw >= raw_threshold``, exactly, without running every tree on every flow.

        The trees run in stages (``STAGES``, shares of the model); after each, a flow is decided when even
        the largest leaves of all remaining trees could not lift its partial score to the threshold, or
        their smallest could not pull it below. Benign flows are mostly settled after the first stage.
        Batches under ``STAGED_FROM`` flows run all trees at once (each stage costs a LightGBM call)."""
        if len(matrix) < STAGED_FROM:
            return self.raw(matrix) >= self.raw_threshold
        rest_max, rest_min = self._rest_bounds()
        trees = len(rest_max) - 1
        stops = sorted({round(share * trees) for share in STAGES} - {0, trees})
        out = np.zeros(len(matrix), dtype=bool)
        open_rows = np.arange(len(matrix))
        partial = np.zeros(len(matrix))
        rows = np.ascontiguousarray(matrix)
        done = 0
        for stop in stops:
            partial += self.detector.predict(rows, raw_score=True, num_threads=1, start_iteration=done,
                                             num_iteration=stop - done)
            done = stop
            # a margin far above rounding: partial sums add the trees in another order than LightGBM does
            certain = partial + rest_min[done] > self.raw_threshold + MARGIN
            possible = partial + rest_max[done] >= self.raw_threshold - MARGIN
            out[open_rows[certain]] = True
            keep = possible & ~certain
            open_rows, partial, rows = open_rows[keep], partial[keep], rows[keep]
            if not len(open_rows):
                return out
        out[open_rows] = self.raw(rows) >= self.raw_threshold  # still open: LightGBM's own sum decides
        return out

    def _rest_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """For each tree k, the largest and smallest sums trees k.. can still add (0 after the last)."""
        if self._bounds is None:
            top, bottom = [], []
            for tree in self.detector.dump_model()["tree_info"]:
                values = _leaf_values(tree["tree_structure"])
                top.append(max(values))
                bottom.append(min(values))
            suffix = [np.r_[np.cumsum(np.asarray(v)[::-1])[::-1], 0.0] for v in (top, bottom)]
            self._bounds = (suffix[0], suffix[1])
        return self._bounds

    def family(self, matrix: np.ndarray) -> np.ndarray:
        """The most likely attack family of each flow (whether or not it alerts)."""
        if not self.families:
            return np.full(len(matrix), self.family_names[0], dtype=object)
        probability = sum(member.predict(matrix, num_threads=1) for member in self.families)
        names = np.asarray(self.family_names, dtype=object)[probability.argmax(axis=1)]
        pair = np.flatnonzero(np.isin(names, SIBLINGS))
        if self.siblings and len(pair):
            first = sum(member.predict(matrix[pair][:, _UNTIMED], num_threads=1) for member in self.siblings)
            names[pair] = np.where(first >= len(self.siblings) / 2, SIBLINGS[0], SIBLINGS[1])
        return names

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        out = np.full(len(matrix), BENIGN, dtype=object)
        flagged = np.flatnonzero(self.alerts(matrix))
        if len(flagged):
            out[flagged] = self.family(matrix[flagged])
        return out

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Tree SHAP contributions to the detector's log-odds of attack (the bias column dropped)."""
        return self.detector.predict(matrix, pred_contrib=True, num_threads=1)[:, :-1]

    def to_files(self) -> dict[str, bytes]:
        meta = {"budget": self.budget, "rounds": self.rounds, "family_rounds": self.family_rounds,
                "family_names": self.family_names, "platt": self.platt.to_dict(), "raw_threshold": self.raw_threshold}
        files = {"classifier.json": json.dumps(meta, indent=1).encode(),
                 "detector.lgb.txt": self.detector.model_to_string().encode()}
        for k, member in enumerate(self.families):
            files[_family_file(k)] = member.model_to_string().encode()
        for k, member in enumerate(self.siblings):
            files[f"siblings.{k}.lgb.txt"] = member.model_to_string().encode()
        return files

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> FlowClassifier:
        meta = json.loads(files["classifier.json"])
        model = cls(meta["budget"], meta["rounds"], meta["family_rounds"])
        model.family_names = meta["family_names"]
        model.platt = Platt(**meta["platt"])
        model.raw_threshold = float(meta["raw_threshold"])
        model.detector = lgb.Booster(model_str=files["detector.lgb.txt"].decode())
        k = 0
        while _family_file(k) in files:  # an older model has one, families.lgb.txt
            model.families.append(lgb.Booster(model_str=files[_family_file(k)].decode()))
            k += 1
        while f"siblings.{len(model.siblings)}.lgb.txt" in files:  # an older model has none
            model.siblings.append(lgb.Booster(model_str=files[f"siblings.{len(model.siblings)}.lgb.txt"].decode()))
        return model


def _family_file(k: int) -> str:
    return "families.lgb.txt" if k == 0 else f"families.{k}.lgb.txt"
