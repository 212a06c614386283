"""Simulated partial, noisy observations of intrusion sets, for calibration, the benchmark and the tests.

For a group, a case keeps a share (the observation rate) of the techniques it was seen using (its own
and its attributed campaigns'), at least one; reports one in three observed sub-techniques only by its
parent (as many alerts are tagged); adds noise techniques the group never used (``noise`` per observed
technique, at least one, drawn by how common each technique is across groups, as false-positive
detections are); and, with ``software``, names each of the group's software with the same rate.
Seeds keep calibration cases (seed 1000 and up) apart from evaluation cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CALIBRATION_SEED = 1000
MIN_TECHNIQUES = 3


@dataclass(frozen=True)
class Case:
    group: str
    techniques: list[str]
    software: list[str]


def observed_techniques(profile: dict) -> list[str]:
    """The techniques a group itself was seen using (not only its software's)."""
    return [t for t, via in profile["techniques"].items() if any(not v.startswith("S") for v in via)]


def simulate(profiles: dict, rate: float, seed: int, noise: float = 0.5, software: bool = False,
             parent_share: float = 1 / 3) -> list[Case]:
    """One case per group with at least ``MIN_TECHNIQUES`` techniques of its own."""
    rng = np.random.default_rng(seed)
    all_techniques = sorted(profiles["techniques"])
    popularity = np.ones(len(all_techniques))
    index = {t: i for i, t in enumerate(all_techniques)}
    for profile in profiles["groups"].values():
        for t in profile["techniques"]:
            popularity[index[t]] += 1
    cases = []
    for group_id, profile in profiles["groups"].items():
        own = observed_techniques(profile)
        if len(own) < MIN_TECHNIQUES:
            continue
        k = max(1, round(rate * len(own)))
        seen = [own[i] for i in rng.choice(len(own), size=k, replace=False)]
        seen = [profiles["techniques"][t]["parent"] if profiles["techniques"][t]["parent"] and
                rng.random() < parent_share else t for t in seen]
        outside = np.array([t not in profile["techniques"] for t in all_techniques])
        weights = popularity * outside
        m = max(1, round(noise * k))
        noisy = rng.choice(len(all_techniques), size=m, replace=False, p=weights / weights.sum())
        techniques = sorted(set(seen) | {all_techniques[i] for i in noisy})
        used = [s for s in profile["software"] if software and rng.random() < rate]
        cases.append(Case(group_id, techniques, used))
    return cases
