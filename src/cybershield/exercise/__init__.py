"""Exercises: scenarios and generated telemetry that drive hubs from outside, like a real feed."""

from pathlib import Path

from .telemetry import C2_HOST, C2_IP, PAYLOAD_SHA256, sample_indicators, write_sample_telemetry

#: Sigma rules of our own that catch the attack woven into the generated telemetry.
SAMPLE_RULES = Path(__file__).parent / "rules"

__all__ = ["C2_HOST", "C2_IP", "PAYLOAD_SHA256", "SAMPLE_RULES", "sample_indicators", "write_sample_telemetry"]
