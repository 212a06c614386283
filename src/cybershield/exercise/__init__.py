"""Exercises: scenarios and generated telemetry that drive hubs from outside, like a real feed."""

from pathlib import Path

from .telemetry import write_sample_telemetry

#: Sigma rules of our own that catch the attack woven into the generated telemetry.
SAMPLE_RULES = Path(__file__).parent / "rules"

__all__ = ["SAMPLE_RULES", "write_sample_telemetry"]
