"""Derive outage episodes of a workflow from raw probe results.

Pure functions over frozen dataclasses (no Django, no I/O), in four layers:

    observations --(per-location state machines)--> location timeline
    location timelines --(quorum)-----------------> probe timeline
    probe timelines --(worst state wins)----------> workflow timeline
    workflow timeline ----------------------------> episodes + evidence

Conventions shared by every function here:

* A timeline covers ``[since, until)`` exactly with half-open spans, sorted, adjacent spans never
  share a state, and the **last span always has ``end=None``** ("still so at ``until``"). An
  empty window (``since == until``) gives an empty timeline.
* Datetimes must be timezone-aware; they are normalised to UTC, so every datetime returned is UTC.
* Results before ``since`` feed the state machines (and staleness) as context; results at or
  after ``until`` are ignored. Exact duplicate observations are counted once.
* State changes are *backdated*: a run of results that reaches its threshold changes the state
  from the ``observed_at`` of the run's first result. A run still below its threshold at
  ``until`` changes nothing yet, so deriving again with a later ``until`` may revise the tail.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from itertools import chain, groupby

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


# --- per-location state machines -------------------------------------------------------------


@dataclass(frozen=True)
class _Flip:
    """A state machine switching to ``active`` at ``at``, caused by result ``result_id``."""

    at: datetime
    active: bool
    result_id: int | None


def _flips(
    results: Sequence[Observation],
    signal: Callable[[Observation], bool],
    spec: ProbeSpec,
) -> tuple[_Flip, ...]:
    """Hysteresis over maximal runs of equal signal.

    A run of ``signal`` results long enough (failure_threshold to switch on, recovery_threshold to
    switch off) switches the machine at the run's first result; shorter runs change nothing.
    """
    flips: list[_Flip] = []
    active = False
    for value, group in groupby(results, key=signal):
        run = list(group)
        needed = spec.failure_threshold if value else spec.recovery_threshold
        if value != active and len(run) >= needed:
            active = value
            flips.append(_Flip(run[0].observed_at, value, run[0].result_id))
    return tuple(flips)


def _last_flip(flips: Sequence[_Flip], at: datetime) -> _Flip | None:
    index = bisect_right(flips, at, key=lambda flip: flip.at)
    return flips[index - 1] if index else None


def _flips_at(flips: Sequence[_Flip], at: datetime) -> Sequence[_Flip]:
    def key(flip: _Flip) -> datetime:
        return flip.at

    return flips[bisect_left(flips, at, key=key) : bisect_right(flips, at, key=key)]


def _is_active(flips: Sequence[_Flip], at: datetime) -> bool:
    flip = _last_flip(flips, at)
    return flip is not None and flip.active


@dataclass(frozen=True)
class _LocationHistory:
    """Everything derived from one location's results; answers "what state at instant t"."""

    result_times: tuple[datetime, ...]
    failing: tuple[_Flip, ...]
    impaired: tuple[_Flip, ...]
    stale_after: timedelta

    def is_stale(self, at: datetime) -> bool:
        """No result yet, or the last result is at least ``stale_after`` old.

        Equivalent to the spec's "gap strictly greater than 3 x interval": a gap of exactly
        3 x interval ends before the stale instant is reached.
        """
        index = bisect_right(self.result_times, at)
        return index == 0 or at - self.result_times[index - 1] >= self.stale_after

    def state_at(self, at: datetime) -> State:
        # Staleness only masks the machines, which keep their state across the gap.
        if self.is_stale(at):
            return State.NO_DATA
        if _is_active(self.failing, at):
            return State.DOWN
        if _is_active(self.impaired, at):
            return State.DEGRADED
        return State.UP

    def boundaries(self) -> Iterator[datetime]:
        yield from self.result_times
        yield from (time + self.stale_after for time in self.result_times)
        yield from (flip.at for flip in chain(self.failing, self.impaired))

    def onset_id(self, at: datetime, state: State) -> int | None:
        """Result that started the failing (DOWN) or impaired (DEGRADED) state current at ``at``."""
        flip = _last_flip(self.failing if state is State.DOWN else self.impaired, at)
        return flip.result_id if flip is not None and flip.active else None

    def recovery_ids_at(self, at: datetime) -> set[int]:
        """Results whose recovery run ended the failing or impaired state exactly at ``at``."""
        return {
            flip.result_id
            for flip in chain(_flips_at(self.failing, at), _flips_at(self.impaired, at))
            if not flip.active and flip.result_id is not None
        }


def _history(spec: ProbeSpec, results: Iterable[Observation]) -> _LocationHistory:
    ordered = sorted(results, key=_result_key)
    return _LocationHistory(
        result_times=tuple(result.observed_at for result in ordered),
        failing=_flips(ordered, _is_down, spec),
        impaired=_flips(ordered, partial(is_impaired, spec), spec),
        stale_after=spec.stale_after,
    )


def _histories(
    spec: ProbeSpec, observations: Iterable[Observation], until: datetime
) -> dict[str, _LocationHistory]:
    by_location: dict[str, list[Observation]] = {location: [] for location in spec.locations}
    for observation in dict.fromkeys(observations):  # drops exact duplicates, keeps order
        if observation.location in by_location and observation.observed_at < until:
            by_location[observation.location].append(observation)
    return {location: _history(spec, results) for location, results in by_location.items()}


# --- timelines ---------------------------------------------------------------------------------


def _window(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    since, until = _utc(since, "since"), _utc(until, "until")
    if since > until:
        raise ValueError(f"since ({since}) is after until ({until})")
    return since, until


def _sweep(
    since: datetime,
    until: datetime,
    boundaries: Iterable[datetime],
    state_at: Callable[[datetime], State],
) -> list[Span]:
    """Tile ``[since, until)`` with merged spans of a right-continuous step function.

    ``state_at`` may only change at one of ``boundaries``, so sampling it at each boundary is
    exact.
    """
    if since >= until:
        return []
    points = sorted({since, *(point for point in boundaries if since < point < until)})
    starts: list[tuple[datetime, State]] = []
    for point in points:
        state = state_at(point)
        if not starts or starts[-1][1] != state:
            starts.append((point, state))
    ends: list[datetime | None] = [start for start, _ in starts[1:]]
    ends.append(None)
    return [Span(start, end, state) for (start, state), end in zip(starts, ends, strict=True)]


class _SpanIndex:
    """Point lookups in a timeline; instants not covered by any span count as NO_DATA."""

    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = tuple(sorted(spans, key=lambda span: span.start))
        self._starts = [span.start for span in self.spans]

    def _covering(self, index: int, at: datetime, *, just_before: bool) -> State:
        if index < 0:
            return State.NO_DATA
        span = self.spans[index]
        inside = span.end is None or (at <= span.end if just_before else at < span.end)
        return State(span.state) if inside else State.NO_DATA

    def at(self, at: datetime) -> State:
        return self._covering(bisect_right(self._starts, at) - 1, at, just_before=False)

    def before(self, at: datetime) -> State:
        """State on the instants immediately before ``at``."""
        return self._covering(bisect_left(self._starts, at) - 1, at, just_before=True)

    def boundaries(self) -> Iterator[datetime]:
        for span in self.spans:
            yield span.start
            if span.end is not None:
                yield span.end

    def non_up_during(self, start: datetime, end: datetime) -> bool:
        """Whether any DOWN/DEGRADED span overlaps ``[start, end)`` (spans must not overlap)."""
        first = max(bisect_right(self._starts, start) - 1, 0)
        candidates = self.spans[first : bisect_left(self._starts, end)]
        return any(
            span.state in NON_UP and (span.end is None or span.end > start) for span in candidates
        )


def _location_spans(history: _LocationHistory, since: datetime, until: datetime) -> list[Span]:
    return _sweep(since, until, history.boundaries(), history.state_at)


def location_timeline(
    spec: ProbeSpec,
    location: str,
    observations: Sequence[Observation],
    *,
    since: datetime,
    until: datetime,
) -> list[Span]:
    """UP / DEGRADED / DOWN timeline of one location, NO_DATA while it is stale.

    ``observations`` may include other locations' results; they are ignored.
    """
    if location not in spec.locations:
        raise ValueError(f"{location!r} is not a location of probe {spec.probe_id}")
    since, until = _window(since, until)
    history = _histories(spec, observations, until)[location]
    return _location_spans(history, since, until)


def _probe_state(spec: ProbeSpec, states: Sequence[State]) -> State:
    failing = sum(state is State.DOWN for state in states)
    impaired = sum(state in NON_UP for state in states)
    if failing >= spec.quorum:
        return State.DOWN
    if impaired >= spec.quorum:
        return State.DEGRADED
    if all(state is State.NO_DATA for state in states):
        return State.NO_DATA
    return State.UP


def _probe_spans(
    spec: ProbeSpec, locations: Sequence[_SpanIndex], since: datetime, until: datetime
) -> list[Span]:
    return _sweep(
        since,
        until,
        chain.from_iterable(index.boundaries() for index in locations),
        lambda at: _probe_state(spec, [index.at(at) for index in locations]),
    )


def probe_timeline(
    spec: ProbeSpec,
    observations: Sequence[Observation],
    *,
    since: datetime,
    until: datetime,
) -> list[Span]:
    """DOWN while >= quorum locations fail, DEGRADED while >= quorum fail or are degraded.

    NO_DATA while every location is stale, UP otherwise.
    """
    since, until = _window(since, until)
    histories = _histories(spec, observations, until).values()
    locations = [_SpanIndex(_location_spans(history, since, until)) for history in histories]
    return _probe_spans(spec, locations, since, until)


def _worst(states: Iterable[State]) -> State:
    return max(states, key=_WORSENESS.__getitem__, default=State.NO_DATA)


def workflow_timeline(
    probe_timelines: Sequence[Sequence[Span]],
    *,
    since: datetime,
    until: datetime,
) -> list[Span]:
    """Worst probe state at each instant (DOWN > DEGRADED > UP > NO_DATA).

    Input spans may end with ``end=None`` or ``end=until``; instants a probe timeline does not
    cover count as NO_DATA for that probe.
    """
    since, until = _window(since, until)
    probes = [_SpanIndex(timeline) for timeline in probe_timelines]
    return _sweep(
        since,
        until,
        chain.from_iterable(index.boundaries() for index in probes),
        lambda at: _worst(index.at(at) for index in probes),
    )


# --- episodes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ProbeView:
    spec: ProbeSpec
    histories: dict[str, _LocationHistory]
    locations: dict[str, _SpanIndex]
    timeline: _SpanIndex


def _probe_view(
    spec: ProbeSpec, observations: Sequence[Observation], since: datetime, until: datetime
) -> _ProbeView:
    histories = _histories(spec, observations, until)
    locations = {
        location: _SpanIndex(_location_spans(history, since, until))
        for location, history in histories.items()
    }
    timeline = _SpanIndex(_probe_spans(spec, list(locations.values()), since, until))
    return _ProbeView(spec, histories, locations, timeline)


def _opening_ids(probes: Sequence[_ProbeView], at: datetime) -> tuple[int, ...]:
    """Onset results of every non-up location, in every non-up probe, at ``at``."""
    ids: set[int] = set()
    for probe in probes:
        if probe.timeline.at(at) not in NON_UP:
            continue
        for location, history in probe.histories.items():
            state = probe.locations[location].at(at)
            result_id = history.onset_id(at, state) if state in NON_UP else None
            if result_id is not None:
                ids.add(result_id)
    return tuple(sorted(ids))


def _closing_ids(probes: Sequence[_ProbeView], at: datetime) -> tuple[int, ...]:
    """First results of the recovery runs that took non-up locations back up exactly at ``at``.

    Only locations that were non-up just before ``at`` in a probe that was non-up just before
    ``at``, mirroring the opening evidence.
    """
    ids: set[int] = set()
    for probe in probes:
        if probe.timeline.before(at) not in NON_UP:
            continue
        for location, history in probe.histories.items():
            index = probe.locations[location]
            if index.before(at) in NON_UP and index.at(at) not in NON_UP:
                ids |= history.recovery_ids_at(at)
    return tuple(sorted(ids))


def _non_up_runs(spans: Sequence[Span]) -> Iterator[tuple[Sequence[Span], Span | None]]:
    """Maximal runs of consecutive DOWN/DEGRADED spans, each with the span that follows it."""
    index = 0
    while index < len(spans):
        if spans[index].state not in NON_UP:
            index += 1
            continue
        end = index
        while end < len(spans) and spans[end].state in NON_UP:
            end += 1
        yield spans[index:end], spans[end] if end < len(spans) else None
        index = end


def _episode(
    run: Sequence[Span], following: Span | None, probes: Sequence[_ProbeView], until: datetime
) -> Episode:
    started_at, ended_at = run[0].start, run[-1].end
    down = any(span.state is State.DOWN for span in run)
    recovered = following is not None and following.state is State.UP
    return Episode(
        started_at=started_at,
        ended_at=ended_at,
        severity=Outcome.DOWN if down else Outcome.DEGRADED,
        probe_ids=frozenset(
            probe.spec.probe_id
            for probe in probes
            if probe.timeline.non_up_during(started_at, ended_at or until)
        ),
        opening_result_ids=_opening_ids(probes, started_at),
        closing_result_ids=(
            _closing_ids(probes, ended_at) if recovered and ended_at is not None else ()
        ),
    )


def derive_workflow(
    probes: Sequence[tuple[ProbeSpec, Sequence[Observation]]],
    *,
    since: datetime,
    until: datetime,
) -> Derivation:
    """Episodes (contiguous DOWN/DEGRADED time) and NO_DATA spans of a workflow.

    An episode already in progress at ``since`` is clipped to start at ``since``; one still in
    progress at ``until`` has ``ended_at=None``. UP or NO_DATA ends an episode; closing evidence
    is only given when it ended because the workflow became UP.
    """
    since, until = _window(since, until)
    views = [_probe_view(spec, observations, since, until) for spec, observations in probes]
    workflow = workflow_timeline([view.timeline.spans for view in views], since=since, until=until)
    return Derivation(
        episodes=tuple(
            _episode(run, following, views, until) for run, following in _non_up_runs(workflow)
        ),
        no_data=tuple(span for span in workflow if span.state is State.NO_DATA),
        state=workflow[-1].state if workflow else State.NO_DATA,
    )
