"""wastectl: the operations CLI for the AI Waste Coach (cluster, fleet and application)."""

from api.version import __version__ as __version__
