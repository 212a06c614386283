"""Matplotlib for the drawn reports: loaded when a report is drawn, not when its module is imported
(it costs most of a second, which every ``cybershield --help`` paid), and always without a screen."""

from __future__ import annotations


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (PNG files, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
