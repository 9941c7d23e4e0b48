"""wastectl: the operations CLI for the AI Waste Coach (cluster, fleet and application)."""

__version__ = "0.1.0"
