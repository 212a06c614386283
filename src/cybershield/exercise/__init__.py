"""Exercises: scenarios of multi-country campaigns, their telemetry, the player that feeds it into hubs
from outside (like a real feed), and the scorecard."""

from pathlib import Path

from .feed import Batch, Feed, build_feed
from .infrastructure import Infrastructure
from .scenario import Scenario, ScenarioError, load_scenario, scenario_names
from .telemetry import C2_HOST, C2_IP, PAYLOAD_SHA256, sample_indicators, write_sample_telemetry

#: Sigma rules of our own that catch the attack woven into the generated telemetry.
SAMPLE_RULES = Path(__file__).parent / "rules"

__all__ = ["C2_HOST", "C2_IP", "PAYLOAD_SHA256", "SAMPLE_RULES", "Batch", "Feed", "Infrastructure", "Scenario",
           "ScenarioError", "build_feed", "load_scenario", "sample_indicators", "scenario_names",
           "write_sample_telemetry"]
