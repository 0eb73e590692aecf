"""Pure scheduling rules shared by the Celery dispatcher and the agent.

* A probe runs on a fixed grid of its interval. A slot missed (beat or the worker was
  down, or a run overran) is skipped, never replayed: the next run is the first slot of
  the grid after *now*.
* A run holds a lease on (probe, location) until it has stored its results, so a probe
  never runs twice at once in one location; a crashed run's lease lapses on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

LEASE_MARGIN = timedelta(seconds=30)


def next_slot(previous: datetime | None, interval_seconds: int, now: datetime) -> datetime:
    """The first slot of the probe's grid strictly after ``now``.

    ``previous`` is the slot just run (None for a probe never run: its grid starts now).
    """
    interval = timedelta(seconds=interval_seconds)
    if previous is None or previous > now:
        return now + interval
    missed = (now - previous) // interval
    return previous + (missed + 1) * interval


def is_due(next_run_at: datetime | None, now: datetime) -> bool:
    return next_run_at is None or next_run_at <= now


def run_budget(timeout_ms: int) -> timedelta:
    """How long a run may hold its lease: its timeout, storing its result, and a margin."""
    return timedelta(milliseconds=timeout_ms) + LEASE_MARGIN


def lease_free(lease: Any, now: datetime) -> bool:
    """Whether a stored lease (``{"token", "until"}``) no longer blocks a run."""
    if not isinstance(lease, dict):
        return True
    try:
        until = datetime.fromisoformat(lease["until"])
    except (KeyError, TypeError, ValueError):
        return True
    return until <= now


def new_lease(token: str, now: datetime, timeout_ms: int) -> dict[str, str]:
    return {"token": token, "until": (now + run_budget(timeout_ms)).isoformat()}


def dispatch_is_stale(dispatched_at: datetime, interval_seconds: int, now: datetime) -> bool:
    """A dispatch older than one interval is dropped: its slot has passed."""
    return now - dispatched_at > timedelta(seconds=interval_seconds)
