"""The derivation's vocabulary: outcomes, states, a probe's spec, observations, spans and
episodes, and the rules that apply to one result (staleness, impairment, their order)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

STALE_AFTER_INTERVALS = 3
"""A location is stale once this many intervals have passed since its last result."""


def stale_after(interval_seconds: int) -> timedelta:
    """How long after its last result a location probed every ``interval_seconds`` goes stale."""
    return timedelta(seconds=STALE_AFTER_INTERVALS * interval_seconds)


class Outcome(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class State(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    NO_DATA = "no_data"


NON_UP = frozenset({State.DOWN, State.DEGRADED})

# "Worst wins" order for combining probes; NO_DATA loses to everything so that a workflow is
# NO_DATA only when all of its probes are.
_WORSENESS = {State.NO_DATA: 0, State.UP: 1, State.DEGRADED: 2, State.DOWN: 3}
_OUTCOME_RANK = {Outcome.UP: 0, Outcome.DEGRADED: 1, Outcome.DOWN: 2}


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class ProbeSpec:
    probe_id: int
    locations: tuple[str, ...]
    interval_seconds: int
    quorum: int
    failure_threshold: int = 2
    recovery_threshold: int = 1
    degraded_latency_ms: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "locations", tuple(dict.fromkeys(self.locations)))
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        if self.quorum < 1:
            raise ValueError("quorum must be at least 1")
        if self.failure_threshold < 1 or self.recovery_threshold < 1:
            raise ValueError("failure_threshold and recovery_threshold must be at least 1")

    @property
    def stale_after(self) -> timedelta:
        return stale_after(self.interval_seconds)


@dataclass(frozen=True)
class Observation:
    result_id: int | None
    location: str
    observed_at: datetime
    outcome: Outcome
    latency_ms: int | None = None

    def __post_init__(self) -> None:
        # Accept the plain string values too, and compare instants in one zone.
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "observed_at", _utc(self.observed_at, "observed_at"))


@dataclass(frozen=True)
class Span:
    """Half-open ``[start, end)``; ``end=None`` means it lasts up to ``until``."""

    start: datetime
    end: datetime | None
    state: State


@dataclass(frozen=True)
class Episode:
    started_at: datetime
    ended_at: datetime | None
    severity: Outcome
    probe_ids: frozenset[int]
    opening_result_ids: tuple[int, ...]
    closing_result_ids: tuple[int, ...]


@dataclass(frozen=True)
class Derivation:
    episodes: tuple[Episode, ...]
    no_data: tuple[Span, ...]
    state: State = State.NO_DATA  # the workflow's state at ``until``


def is_impaired(spec: ProbeSpec, observation: Observation) -> bool:
    """Degraded or down, or up but slower than the probe's degraded-latency threshold."""
    if observation.outcome is not Outcome.UP:
        return True
    limit, latency = spec.degraded_latency_ms, observation.latency_ms
    return limit is not None and latency is not None and latency > limit


def _is_down(observation: Observation) -> bool:
    return observation.outcome is Outcome.DOWN


def _result_key(observation: Observation) -> tuple:
    """Total order on results, so that arrival order never matters.

    Ties at one instant go by severity (up, slower up, degraded, down), then result id.
    """
    latency = -1 if observation.latency_ms is None else observation.latency_ms
    rid = observation.result_id
    return (
        observation.observed_at,
        _OUTCOME_RANK[observation.outcome],
        latency,
        rid is not None,
        rid or 0,
    )
