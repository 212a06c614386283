"""Attribution: profiles from ATT&CK, the model on hand-made groups, held-apart simulated cases on the real bundle."""

from __future__ import annotations

import numpy as np
import pytest

from cybershield.response import ResponseError, load_profiles
from cybershield.response.attribution import (
    AttributionModel,
    Params,
    attribute_campaign,
    cluster_incidents,
    cluster_of,
    derive_profiles,
    simulate,
)
from cybershield.response.attribution.model import CALIBRATION_RATES
from cybershield.response.attribution.simulate import CALIBRATION_SEED


def ext(kind: str, ident: str, name: str, **extra) -> dict:
    return {"type": kind, "id": f"{kind}--{ident}", "name": name,
            "external_references": [{"source_name": "mitre-attack", "external_id": ident}], **extra}


def uses(source: str, target: str, kind: str = "uses", **extra) -> dict:
    return {"type": "relationship", "id": f"relationship--{source}-{target}", "relationship_type": kind,
            "source_ref": source, "target_ref": target, **extra}


def tiny_bundle() -> list[dict]:
    techniques = ["T1001", "T1002", "T1003", "T1003.001", "T1003.002", "T1004", "T1005", "T1006"]
    objects = [ext("attack-pattern", t, f"technique {t}") for t in techniques]
    objects += [ext("attack-pattern", "T1999", "old", revoked=True), ext("attack-pattern", "T1998", "gone",
                                                                          x_mitre_deprecated=True)]
    objects += [ext("intrusion-set", "G0001", "Alpha", aliases=["A"]), ext("intrusion-set", "G0002", "Beta"),
                ext("intrusion-set", "G0003", "Gamma", revoked=True), ext("malware", "S0001", "Bad", x_mitre_aliases=["BadRAT"]),
                ext("campaign", "C0001", "Op")]
    objects += [uses("intrusion-set--G0001", "attack-pattern--T1001"), uses("intrusion-set--G0001", "attack-pattern--T1003.001"),
                uses("intrusion-set--G0001", "attack-pattern--T1004"), uses("intrusion-set--G0002", "attack-pattern--T1001"),
                uses("intrusion-set--G0002", "attack-pattern--T1002"), uses("intrusion-set--G0002", "malware--S0001"),
                uses("malware--S0001", "attack-pattern--T1005"), uses("campaign--C0001", "attack-pattern--T1006"),
                uses("campaign--C0001", "intrusion-set--G0002", "attributed-to"),
                uses("intrusion-set--G0001", "attack-pattern--T1002", revoked=True),
                uses("attack-pattern--T1999", "attack-pattern--T1004", "revoked-by")]
    return objects


def test_profiles_follow_uses_software_campaigns_and_skip_revoked():
    profiles = derive_profiles(tiny_bundle())
    assert list(profiles["groups"]) == ["G0001", "G0002"]
    assert profiles["groups"]["G0001"]["techniques"] == {"T1001": ["direct"], "T1003.001": ["direct"], "T1004": ["direct"]}
    assert profiles["groups"]["G0002"]["techniques"] == {"T1001": ["direct"], "T1002": ["direct"], "T1005": ["S0001"],
                                                         "T1006": ["C0001"]}
    assert profiles["groups"]["G0002"]["software"] == ["S0001"]
    assert "T1998" not in profiles["techniques"] and profiles["revoked"] == {"T1999": "T1004"}


def test_model_ranks_with_evidence_parent_credit_and_unknowns():
    model = AttributionModel(derive_profiles(tiny_bundle()), Params())
    ranking = model.rank(["T1003.002", "t1999", "T9999", "T1001"], top=2)  # sibling, revoked -> T1004, unknown
    assert [c["id"] for c in ranking["candidates"]] == ["G0001", "G0002"]
    assert ranking["unknown"] == ["T9999"] and ranking["replaced"] == {"T1999": "T1004"}
    evidence = {e["technique"]: e for e in ranking["candidates"][0]["evidence"]}
    assert evidence["T1003.002"]["via"] == ["related technique T1003.001 used"]
    assert evidence["T1004"]["via"] == ["used by the group"]
    assert abs(sum(c["confidence"] for c in ranking["candidates"]) - 1) < 1e-3  # two groups: the whole mass
    by_software = model.rank([], ["badrat"])
    assert by_software["candidates"][0]["id"] == "G0002"
    assert by_software["candidates"][0]["evidence"][0]["via"] == ["used by the group"]
    with pytest.raises(ResponseError, match="nothing to attribute"):
        model.rank(["T0000"])
    with pytest.raises(ResponseError, match="--top"):
        model.rank(["T1001"], top=0)


def test_campaign_clustering_links_by_indicator_software_and_technique_chain():
    incidents = [
        {"id": "be-1", "hub": "BE", "indicators": ["1.2.3.4"], "techniques": ["T1001"]},
        {"id": "nl-1", "hub": "NL", "indicators": ["1.2.3.4", "evil.example"]},
        {"id": "fr-1", "hub": "FR", "software": ["S0001"]},
        {"id": "de-1", "hub": "DE", "software": ["S0001"], "techniques": ["T1001", "T1002", "T1005"]},
        {"id": "pl-1", "hub": "PL", "techniques": ["T1001", "T1002", "T1005", "T1006"]},
        {"id": "it-1", "hub": "IT", "techniques": ["T1001", "T1002"]},  # too few shared techniques
    ]
    campaigns = sorted((c.as_dict() for c in cluster_incidents(incidents)), key=lambda c: c["incidents"])
    assert [c["incidents"] for c in campaigns] == [["be-1", "nl-1"], ["fr-1", "de-1", "pl-1"]]
    assert {link["by"] for link in campaigns[1]["links"]} == {"software", "technique-chain"}
    assert campaigns[0]["hubs"] == ["BE", "NL"]
    # one incident's campaign, searched from it alone, is the same
    for member in ("pl-1", "fr-1", "de-1"):
        assert cluster_of(incidents, member).as_dict() == campaigns[1]
    assert cluster_of(incidents, "it-1") is None and cluster_of(incidents, "xx-9") is None
    model = AttributionModel(derive_profiles(tiny_bundle()), Params())
    attributed = attribute_campaign(model, cluster_incidents(incidents)[1], top=1)
    assert attributed["attribution"]["candidates"][0]["id"] == "G0002"


def test_without_the_bundle_attribution_says_what_it_needs(tmp_path):
    with pytest.raises(ResponseError, match="needs the MITRE ATT&CK Enterprise bundle.*CYBERSHIELD_DATA"):
        load_profiles(tmp_path / "nowhere", tmp_path)


@pytest.fixture(scope="module")
def attack(shared_data, tmp_path_factory) -> dict:
    var = tmp_path_factory.mktemp("var")
    profiles = load_profiles(shared_data, var)
    assert load_profiles(shared_data, var) == profiles  # the second load is the cache
    assert len(list((var / "attribution").glob("profiles-*.json"))) == 1
    return profiles


def _top_k(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((order == truth[:, None]).any(axis=1).mean())


def test_model_beats_overlap_counting_on_held_apart_cases(attack):
    model = AttributionModel(attack)
    assert len(attack["groups"]) > 150 and attack["calibration"]["cases"] > 0
    seed = 7
    assert all(seed != CALIBRATION_SEED + i for i in range(2 * len(CALIBRATION_RATES)))
    for rate in (0.2, 0.5):
        cases = simulate(attack, rate, seed)
        truth = np.array([model.group_ids.index(c.group) for c in cases])
        scores, overlap = model.scores(cases), model.overlap(cases)
        assert _top_k(scores, truth, 1) > _top_k(overlap, truth, 1) + 0.2
        assert _top_k(scores, truth, 5) > _top_k(overlap, truth, 5)
        # calibrated: the mean confidence of the top candidate is near its accuracy on unseen cases
        confidence = model.confidence(scores).max(axis=1).mean()
        assert abs(confidence - _top_k(scores, truth, 1)) < 0.15


def test_real_ranking_names_the_group(attack):
    model = AttributionModel(attack)
    apt29 = attack["groups"]["G0016"]
    techniques = [t for t, via in apt29["techniques"].items() if "direct" in via][:12]
    ranking = model.rank(techniques, top=3)
    assert ranking["candidates"][0]["id"] == "G0016"
    assert set(ranking["candidates"][0]) == {"id", "name", "aliases", "score", "confidence", "evidence"}
