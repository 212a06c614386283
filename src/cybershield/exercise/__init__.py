"""Exercises: scenarios and generated telemetry that drive hubs from outside, like a real feed."""

from .telemetry import write_sample_telemetry

__all__ = ["write_sample_telemetry"]
