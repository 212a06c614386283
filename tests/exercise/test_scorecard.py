"""The scorecard's lead times and the drawn report."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from cybershield.exercise.report import write_report
from cybershield.exercise.scorecard import RunScore, StageOutcome, lead_times

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_lead_times_count_only_stages_after_their_countrys_first_warning():
    warned = {"NL": T0 + timedelta(hours=30), "BE": T0 + timedelta(hours=80)}
    stages = [("DE", T0), ("NL", T0 + timedelta(hours=50)), ("NL", T0 + timedelta(hours=51)),
              ("BE", T0 + timedelta(hours=74)), ("AT", T0 + timedelta(hours=98))]
    # BE's stage came before its warning: no lead; AT never got one
    assert lead_times(warned, stages) == [20 * 3600.0, 21 * 3600.0]


def _run(prevented: bool) -> dict:
    score = RunScore(stages=[
        StageOutcome("DE", "initial-access", T0, T0 + timedelta(minutes=1), False),
        StageOutcome("FR", "initial-access", T0 + timedelta(hours=20), None, prevented)],
        warning_lead_times_s=[3600.0] if prevented else [], false_alerts=2, background_events=500, alerts=9)
    return score.as_dict()


def test_report_draws_a_timeline_per_run_and_tabulates_the_stages(tmp_path):
    scorecard = {"scenario": "ransomware-hospitals", "seed": 1,
                 "runs": {"sharing": _run(True), "no_sharing": _run(False)}}
    page = write_report(scorecard, tmp_path)
    text = page.read_text()
    for name in ("sharing", "no_sharing"):
        image = tmp_path / f"timeline-{name}.png"
        assert image.read_bytes().startswith(b"\x89PNG") and image.name in text
    assert "1 of 2 stages prevented" in text and "0 of 2 stages prevented" in text
    assert scorecard["runs"]["sharing"]["stages"][1]["first_detected"] is None
    assert scorecard["runs"]["sharing"]["stages"][0]["detected"] is True


def test_generate_writes_the_same_files_for_the_same_seed(tmp_path):
    def generate(out):
        done = subprocess.run([sys.executable, "-m", "cybershield", "exercise", "generate", "--scenario",
                               "espionage-ministries", "--seed", "4", "--start", "2026-11-01T00:00:00Z",
                               "--out", str(out), "--json"], capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    first, again = generate(tmp_path / "a"), generate(tmp_path / "b")
    assert first == again and sum(first["files"].values()) > 1000
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    bad = subprocess.run([sys.executable, "-m", "cybershield", "exercise", "generate", "--scenario", "nope",
                          "--out", str(tmp_path / "c")], capture_output=True, text=True)
    assert bad.returncode == 2 and "no scenario 'nope'" in bad.stderr
