"""Per-location state machines: a location's results become a timeline of UP, DEGRADED,
DOWN and NO_DATA (stale) spans, thresholds applied and state changes backdated."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from itertools import chain, groupby

from incidents.derivation.model import (
    NON_UP,
    Observation,
    ProbeSpec,
    Span,
    State,
    _is_down,
    _result_key,
    _utc,
    is_impaired,
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
