"""cybershield: an open-source European cyber shield of AI-driven SOC hubs."""

__version__ = "0.1.0"
