"""The one protocol every detector follows, so that the engine never special-cases one of them.

A detector (Sigma rules, indicator matching, an ML model, a correlation) sees the event stream as
successive micro-batches (Arrow tables of the event model, ``cybershield.events``) and returns
the alerts each batch raises. Stateful detectors (correlations over a time window) return what
is left pending from ``finish`` when the stream ends.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pyarrow as pa

from .alerts import Alert


@runtime_checkable
class Detector(Protocol):
    #: "sigma", "indicator", "model", "correlation": the ``Alert.kind`` it produces.
    kind: str

    def detect(self, batch: pa.Table) -> list[Alert]:
        """The alerts this batch of events raises."""
        ...

    def finish(self) -> list[Alert]:
        """Alerts still pending when the stream ends (stateless detectors return [])."""
        ...

    def describe(self) -> dict:
        """What the detector holds, for summaries: rules or indicators loaded, failures with reasons."""
        ...
