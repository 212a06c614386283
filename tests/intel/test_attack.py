"""The one ATT&CK extractor: Sigma tags, STIX labels/kill chains/external references, MISP galaxy tags."""

from cybershield.intel import technique_of_tag, techniques_of_stix


def test_technique_of_tag():
    assert technique_of_tag("attack.t1059.001") == "T1059.001"
    assert technique_of_tag("T1071") == "T1071"
    assert technique_of_tag('misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1566.002"') == "T1566.002"
    assert technique_of_tag("attack.execution") is None and technique_of_tag("attack.g0032") is None
    assert technique_of_tag("attack.t10590") is None


def test_techniques_of_stix():
    obj = {"labels": ["attack.t1071.004", "malicious", 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"'],
           "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "t1059"}, "junk"],
           "external_references": [{"source_name": "mitre-attack", "external_id": "T1204.002"},
                                   {"source_name": "capec", "external_id": "T9999"}]}
    assert techniques_of_stix(obj) == ["T1059", "T1071.004", "T1204.002", "T1566"]
    assert techniques_of_stix({}) == []
