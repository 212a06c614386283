"""The incident review package (Art. 21): timeline across hubs, causes, vulnerabilities, techniques, sharing, lessons."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from cybershield.response import (
    Changes,
    GroupingRules,
    ResponseError,
    ResponseService,
    SupportNeeds,
    write_review,
    zone,
)


def test_review_package(store, alerts, tmp_path):
    service = ResponseService(store, zone("Europe/Brussels"), "hub-be", GroupingRules(), tmp_path, tmp_path)
    incident = max(store.group(GroupingRules()), key=lambda r: r["alerts"])["incident"]
    store.update(incident, Changes(
        fields={"root_cause": "phishing mail", "entity_type": None},
        additions={"vulnerabilities": ["CVE-2024-3400"], "lessons": ["MFA on VPN"], "causes": ["no MFA"],
                   "timeline": [{"at": "2026-05-04T07:00:00Z", "hub": "hub-nl", "what": "same C2 seen in NL"}]}))
    service.submit(incident, "early-warning", datetime(2026, 5, 4, 12, tzinfo=UTC))
    service.reserve.request(incident, SupportNeeds(("forensics",), "scope the intrusion"))
    review = service.review(incident)
    assert review["hubs"] == ["hub-be", "hub-nl"]
    assert review["timeline"][0]["what"] == "same C2 seen in NL"  # the peer's step comes first in time
    assert any(t["what"].startswith("alert: ") for t in review["timeline"])
    assert [s["what"] for s in review["shared"]][0] == "NIS2 early-warning report"
    assert review["vulnerabilities"] == ["CVE-2024-3400"] and review["lessons_learned"] == ["MFA on VPN"]
    assert review["causes"]["contributing"] == ["no MFA"]
    assert "T1105" in review["techniques"]
    paths = write_review(review, tmp_path / "review")
    assert orjson.loads(paths[0].read_bytes())["incident"]["id"] == incident
    assert "CVE-2024-3400" in paths[1].read_text() and "hub-nl" in paths[1].read_text()


def test_review_needs_a_significant_incident(store, tmp_path):
    service = ResponseService(store, zone("Europe/Brussels"), "hub-be", GroupingRules(), tmp_path, tmp_path)
    minor = store.open_incident("minor", datetime(2026, 5, 4, tzinfo=UTC), "important", severity="low")
    with pytest.raises(ResponseError, match="not a significant"):
        service.review(minor["id"])
    store.update(minor["id"], Changes(fields={"significant": True}))
    assert service.review(minor["id"])["incident"]["id"] == minor["id"]
