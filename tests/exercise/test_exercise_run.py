"""End to end: a small scenario played into real networks (each hub its own process), once with sharing and
once without; sharing prevents the last country's stage, the control does not."""

from __future__ import annotations

from pathlib import Path

from cybershield.exercise import SAMPLE_RULES, load_scenario
from cybershield.exercise.report import write_report
from cybershield.exercise.runner import play

SMALL = Path(__file__).parent / "small.yml"


def test_sharing_prevents_what_the_control_only_detects(tmp_path):
    scorecard = play(load_scenario(SMALL), 3, speed=600, workdir=tmp_path, rules=[SAMPLE_RULES])
    sharing, control = scorecard["runs"]["sharing"], scorecard["runs"]["no_sharing"]
    assert [s["country"] for s in sharing["stages"]] == ["DE", "FR", "NL"]
    assert sharing["ingest_errors"] == [] and control["ingest_errors"] == []
    # the first two countries see the campaign alone either way
    assert all(s["detected"] and not s["prevented"] for s in sharing["stages"][:2] + control["stages"][:2])
    # the third held the warning's indicators before its stage began, only with sharing
    assert sharing["stages"][2]["prevented"] and not control["stages"][2]["prevented"]
    assert sharing["warning_lead_times_s"] and all(t > 0 for t in sharing["warning_lead_times_s"])
    assert control["warning_lead_times_s"] == [] and control["warned_at"] == {}
    assert set(sharing["warned_at"]) == {"DE", "FR", "NL"}
    assert sharing["background_events"] == control["background_events"] > 0
    assert sharing["false_alerts"] == 0 and control["false_alerts"] == 0
    page = write_report(scorecard, tmp_path / "report")
    assert (tmp_path / "report" / "timeline-sharing.png").is_file() and "1 of 3 stages prevented" in page.read_text()
