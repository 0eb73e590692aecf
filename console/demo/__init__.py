"""The demo: a simulated history relative to now (pattern, history) and a live workflow on
the simulated AI provider (live)."""

from console.demo.history import add_runbooks_and_fallbacks, load
from console.demo.live import LIVE_WORKFLOW, add_live_workflow
from console.demo.pattern import DemoSpan

__all__ = ["LIVE_WORKFLOW", "DemoSpan", "add_live_workflow", "add_runbooks_and_fallbacks", "load"]
