"""Location timelines → probe timeline (quorum) → workflow timeline (worst state wins) →
episodes with their evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from incidents.derivation.locations import (
    _histories,
    _location_spans,
    _LocationHistory,
    _SpanIndex,
    _sweep,
    _window,
)
from incidents.derivation.model import (
    _WORSENESS,
    NON_UP,
    Derivation,
    Episode,
    Observation,
    Outcome,
    ProbeSpec,
    Span,
    State,
)


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
