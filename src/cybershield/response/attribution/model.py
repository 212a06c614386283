"""Ranking intrusion sets by what an incident shows: a noisy-observation naive-Bayes model.

Each group is a distribution over techniques: a technique it uses itself weighs ``direct`` (1), one
of an attributed campaign ``campaign``, one only its software uses ``software``, and a technique of
the same family (parent and sub-techniques) as one it uses gets ``family`` credit times that one's
weight; weights are normalised per group. An observed technique comes from the group with
probability 1 - ε and from the background (how common the technique is across all groups) with ε,
so that noise costs a little instead of ruling a group out, and a rare technique the group uses
counts far more than a common one (the likelihood ratio against the background is an IDF-like
weight). Software is a second such distribution over the group's software. A group's score is the
summed log-likelihood ratio of the observations; the confidence is the softmax of the scores at a
temperature. ε, the weights and the temperature are fitted on simulated cases with seeds of their own
(see ``simulate``), never on the cases it is evaluated on.

The baseline is plain overlap counting: how many observed techniques are among those the group itself
was seen using, plus the observed software it uses (ties in the groups' id order). Counting its
software's techniques too makes the baseline much weaker (the groups with large toolsets win), so
the benchmark measures against the stronger variant.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ResponseError
from .simulate import CALIBRATION_SEED, Case, observed_techniques, simulate

TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
CALIBRATION_RATES = (0.1, 0.2, 0.3, 0.5)


@dataclass(frozen=True)
class Params:
    noise: float = 0.2
    software: float = 0.35
    family: float = 0.25
    campaign: float = 0.8
    software_noise: float = 0.2
    temperature: float = 1.0


@dataclass(frozen=True)
class Observation:
    techniques: list[str]
    software: list[str]
    unknown: list[str]
    replaced: dict[str, str]


class AttributionModel:
    def __init__(self, profiles: dict, params: Params | None = None) -> None:
        self.profiles = profiles
        self.params = params or Params(**profiles.get("calibration", {}).get("params", {}))
        self.group_ids = list(profiles["groups"])
        self.technique_ids = list(profiles["techniques"])
        self.software_ids = list(profiles["software"])
        self.t_index = {t: i for i, t in enumerate(self.technique_ids)}
        self.s_index = {s: i for i, s in enumerate(self.software_ids)}
        self.software_names = {}
        for sid, item in profiles["software"].items():
            for name in [item["name"], *item.get("aliases", [])]:
                self.software_names.setdefault(name.lower(), sid)
        self.families: dict[str, list[str]] = {}
        for tid, item in profiles["techniques"].items():
            self.families.setdefault(item["parent"] or tid, []).append(tid)
        sizes = [len(m) for m in self.families.values()]
        self.family_starts, self.family_sizes = np.cumsum([0] + sizes[:-1]), np.array(sizes)
        self.log_ratio, self.software_log_ratio = self._matrices(self.params)
        self.member = self._membership()

    # -- the model -----------------------------------------------------------------------------------
    def _via_weight(self, via: list[str], params: Params) -> float:
        return max(1.0 if v == "direct" else params.campaign if v.startswith("C") else params.software for v in via)

    def _matrices(self, params: Params) -> tuple[np.ndarray, np.ndarray]:
        groups = self.profiles["groups"]
        weights = np.zeros((len(self.group_ids), len(self.technique_ids)))
        for g, gid in enumerate(self.group_ids):
            for tid, via in groups[gid]["techniques"].items():
                weights[g, self.t_index[tid]] = self._via_weight(via, params)
        # technique ids are sorted, so each family (parent, then its sub-techniques) is one contiguous run
        family_best = np.maximum.reduceat(weights, self.family_starts, axis=1)
        weights = np.maximum(weights, params.family * np.repeat(family_best, self.family_sizes, axis=1))
        p_group = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        background = 1 + (weights >= min(1.0, params.campaign, params.software)).sum(axis=0)
        background = background / background.sum()
        log_ratio = np.log((1 - params.noise) * p_group + params.noise * background) - np.log(background)
        software = np.zeros((len(self.group_ids), len(self.software_ids)))
        for g, gid in enumerate(self.group_ids):
            used = [self.s_index[s] for s in groups[gid]["software"] if s in self.s_index]
            if used:
                software[g, used] = 1 / len(used)
        s_background = 1 / max(1, len(self.software_ids))
        software_ratio = np.log((1 - params.software_noise) * software + params.software_noise * s_background) \
            - np.log(s_background)
        return log_ratio, software_ratio

    def _membership(self) -> np.ndarray:
        member = np.zeros((len(self.group_ids), len(self.technique_ids)), dtype=bool)
        for g, gid in enumerate(self.group_ids):
            member[g, [self.t_index[t] for t in observed_techniques(self.profiles["groups"][gid])]] = True
        return member

    # -- observations --------------------------------------------------------------------------------
    def observe(self, techniques: list[str], software: list[str] = ()) -> Observation:
        """Known technique and software ids of what was observed; the rest listed as unknown."""
        known_t, known_s, unknown, replaced = [], [], [], {}
        for raw in techniques:
            tid = str(raw).strip().upper()
            if tid in self.profiles["revoked"]:
                replaced[tid] = self.profiles["revoked"][tid]
                tid = replaced[tid]
            (known_t if tid in self.t_index else unknown).append(tid if TECHNIQUE.match(tid) else str(raw))
        for raw in software:
            sid = str(raw).strip()
            sid = sid.upper() if sid.upper() in self.s_index else self.software_names.get(sid.lower(), sid)
            (known_s if sid in self.s_index else unknown).append(sid)
        if not known_t and not known_s:
            raise ResponseError("nothing to attribute: none of the given techniques or software is in ATT&CK"
                                + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
        return Observation(sorted(set(known_t)), sorted(set(known_s)), unknown, replaced)

    def scores(self, cases: list[Case] | list[Observation]) -> np.ndarray:
        """The model's score of every group (columns) for every case (rows)."""
        t_matrix, s_matrix = self._case_matrices(cases)
        return t_matrix @ self.log_ratio.T + s_matrix @ self.software_log_ratio.T

    def overlap(self, cases: list[Case]) -> np.ndarray:
        """The baseline: observed techniques the group itself used, and observed software it uses."""
        t_matrix, s_matrix = self._case_matrices(cases)
        software = np.zeros((len(self.group_ids), len(self.software_ids)))
        for g, gid in enumerate(self.group_ids):
            software[g, [self.s_index[s] for s in self.profiles["groups"][gid]["software"] if s in self.s_index]] = 1
        return t_matrix @ self.member.T.astype(float) + s_matrix @ software.T

    def _case_matrices(self, cases) -> tuple[np.ndarray, np.ndarray]:
        t_matrix = np.zeros((len(cases), len(self.technique_ids)))
        s_matrix = np.zeros((len(cases), len(self.software_ids)))
        for i, case in enumerate(cases):
            t_matrix[i, [self.t_index[t] for t in case.techniques if t in self.t_index]] = 1
            s_matrix[i, [self.s_index[s] for s in case.software if s in self.s_index]] = 1
        return t_matrix, s_matrix

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        return softmax(scores, self.params.temperature)

    # -- ranking -------------------------------------------------------------------------------------
    def rank(self, techniques: list[str], software: list[str] = (), top: int = 5) -> dict:
        """``{"candidates": [{"id", "name", "score", "confidence", "evidence"}], "observed", "unknown", ...}``."""
        if top < 1:
            raise ResponseError("--top must be at least 1")
        observation = self.observe(techniques, software)
        scores = self.scores([observation])[0]
        confidence = self.confidence(scores[None, :])[0]
        order = np.lexsort((np.arange(len(scores)), -scores))[:top]
        return {
            "candidates": [self._candidate(int(g), observation, float(scores[g]), float(confidence[g]))
                           for g in order],
            "observed": {"techniques": observation.techniques, "software": observation.software},
            "unknown": observation.unknown,
            "replaced": observation.replaced,
            "model": {"kind": "noisy naive Bayes", **asdict(self.params)},
        }

    def _candidate(self, g: int, observation: Observation, score: float, confidence: float) -> dict:
        gid = self.group_ids[g]
        profile = self.profiles["groups"][gid]
        evidence = []
        for tid in observation.techniques:
            via = profile["techniques"].get(tid, [])
            if via:
                why = [self._describe(v) for v in via]
            else:
                family = self.families[self.profiles["techniques"][tid]["parent"] or tid]
                related = [m for m in family if m in profile["techniques"]]
                why = [f"related technique {', '.join(related[:3])} used"] if related else ["not in the group's profile"]
            evidence.append({"technique": tid, "name": self.profiles["techniques"][tid]["name"], "via": why,
                             "weight": round(float(self.log_ratio[g, self.t_index[tid]]), 3)})
        for sid in observation.software:
            used = sid in profile["software"]
            evidence.append({"software": sid, "name": self.profiles["software"][sid]["name"],
                             "via": ["used by the group" if used else "not in the group's profile"],
                             "weight": round(float(self.software_log_ratio[g, self.s_index[sid]]), 3)})
        evidence.sort(key=lambda e: -e["weight"])
        return {"id": gid, "name": profile["name"], "aliases": profile["aliases"], "score": round(score, 3),
                "confidence": round(confidence, 4), "evidence": evidence}

    def _describe(self, via: str) -> str:
        if via == "direct":
            return "used by the group"
        if via.startswith("S"):
            return f"via its software {self.profiles['software'][via]['name']} ({via})"
        return f"in its attributed campaign {via}"


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll(scores: np.ndarray, truth: np.ndarray, temperature: float) -> float:
    p = softmax(scores, temperature)[np.arange(len(truth)), truth]
    return float(-np.log(np.maximum(p, 1e-12)).mean())


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """The softmax temperature with the least negative log-likelihood of the true group, and that NLL."""
    # imported here, when profiles are first derived, so that every other command starts without SciPy
    from scipy.optimize import minimize_scalar

    found = minimize_scalar(lambda log_t: _nll(scores, truth, float(np.exp(log_t))), bounds=(np.log(0.05), np.log(50)),
                            method="bounded", options={"xatol": 1e-3})
    return float(np.exp(found.x)), float(found.fun)


def calibration_cases(profiles: dict) -> list[Case]:
    cases = []
    for i, rate in enumerate(CALIBRATION_RATES):
        cases += simulate(profiles, rate, CALIBRATION_SEED + 2 * i)
        cases += simulate(profiles, rate, CALIBRATION_SEED + 2 * i + 1, software=True)
    return cases


def fit_calibration(profiles: dict) -> dict:
    """Fit ε, the weights and the temperature on the calibration cases (least NLL of the true group)."""
    cases = calibration_cases(profiles)
    model = AttributionModel(profiles, Params())
    truth = np.array([model.group_ids.index(c.group) for c in cases])
    best = None
    for noise, software, family in itertools.product((0.2, 0.35, 0.5, 0.65), (0.1, 0.2, 0.35),
                                                     (0.1, 0.25, 0.5)):
        params = Params(noise=noise, software=software, family=family)
        model.log_ratio, model.software_log_ratio = model._matrices(params)
        temperature, loss = fit_temperature(model.scores(cases), truth)
        if best is None or loss < best[0]:
            best = (loss, Params(noise=noise, software=software, family=family, temperature=temperature))
    return {"params": asdict(best[1]), "nll": round(best[0], 4), "cases": len(cases)}
