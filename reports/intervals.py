"""Interval algebra on aware instants, and the scheduled hours of a period.

Pure: no ORM, no floats. Every function returns a sorted list of disjoint, non-empty
half-open intervals, so unions never double count and totals are exact whole seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from reports.periods import Period, load_zone, local_midnight

_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Interval:
    """A half-open span [start, end) of aware instants (stored in UTC)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("interval bounds must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"interval ends before it starts: {self.start} > {self.end}")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))


@dataclass(frozen=True)
class ServiceWindow:
    """Weekly scheduled hours in the customer's local time (weekday 0 = Monday).

    ``end == time(0)`` means midnight at the end of the day, so 00:00–00:00 is the whole day.
    Local times that do not exist on a DST day are mapped as zoneinfo does (fold=0); the
    window then covers the real elapsed time between its bounds.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("service window times are local: give them without tzinfo")
        if self.end != time(0) and self.end <= self.start:
            raise ValueError(f"service window must end after it starts: {self.start}-{self.end}")


def floor_second(instant: datetime, name: str = "instants") -> datetime:
    """``instant`` cut to its whole second, so interval arithmetic counts whole seconds."""
    if instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.replace(microsecond=0)


def check_order(start: datetime, end: datetime | None, what: str) -> None:
    """Both bounds aware and in order; ``end`` None means still open."""
    for instant in (start, end):
        if instant is not None:
            floor_second(instant)
    if end is not None and end < start:
        raise ValueError(f"{what} ends before it starts: {start} > {end}")


def as_interval(start: datetime, end: datetime | None, now: datetime) -> Interval:
    """[start, end) floored to the second; an open one runs to ``now`` (empty if it starts later).

    ``now`` is expected floored already.
    """
    lower = floor_second(start)
    return Interval(lower, max(lower, now) if end is None else floor_second(end))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union: sort, drop empty intervals, join overlapping or touching ones."""
    merged: list[Interval] = []
    for iv in sorted((iv for iv in intervals if iv.end > iv.start), key=lambda iv: iv.start):
        if merged and iv.start <= merged[-1].end:
            if iv.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, iv.end)
        else:
            merged.append(iv)
    return merged


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Instants that lie in both ``a`` and ``b``."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start, end = max(left[i].start, right[j].start), min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of ``intervals`` inside ``window``."""
    return intersect(intervals, [window])


def subtract(intervals: Iterable[Interval], removed: Iterable[Interval]) -> list[Interval]:
    """Instants in ``intervals`` but not in ``removed``."""
    cuts = merge(removed)
    result: list[Interval] = []
    j = 0
    for iv in merge(intervals):
        while j < len(cuts) and cuts[j].end <= iv.start:
            j += 1
        start, k = iv.start, j
        while k < len(cuts) and cuts[k].start < iv.end:
            if cuts[k].start > start:
                result.append(Interval(start, cuts[k].start))
            start = max(start, cuts[k].end)
            k += 1
        if start < iv.end:
            result.append(Interval(start, iv.end))
    return result


def total_seconds(intervals: Iterable[Interval]) -> int:
    """Whole seconds covered by the union of ``intervals`` (overlaps counted once)."""
    return sum((iv.end - iv.start for iv in merge(intervals)), timedelta()) // _SECOND


def service_intervals(
    period: Period, service_hours: Iterable[ServiceWindow], tz: str | None = None
) -> list[Interval]:
    """UTC intervals of scheduled time within ``period``; the whole period when no schedule.

    ``tz`` defaults to the period's timezone. Each local day's window is converted to UTC on
    its own, so a window spanning a DST change covers the real elapsed time (7 h for 00:00–06:00
    on the day clocks go back).
    """
    whole = Interval(period.start, period.end)
    windows = tuple(service_hours)
    if not windows:
        return [whole]
    tz = tz or period.timezone
    zone = load_zone(tz)
    day, last = period.start.astimezone(zone).date(), period.end.astimezone(zone).date()
    spans: list[Interval] = []
    while day <= last:
        spans.extend(_window_on(day, w, tz) for w in windows if w.weekday == day.weekday())
        day += timedelta(days=1)
    return clip(spans, whole)


def _window_on(day: date, window: ServiceWindow, tz: str) -> Interval:
    start = datetime.combine(day, window.start, tzinfo=load_zone(tz)).astimezone(UTC)
    if window.end == time(0):
        end = local_midnight(day + timedelta(days=1), tz)
    else:
        end = datetime.combine(day, window.end, tzinfo=load_zone(tz)).astimezone(UTC)
    return Interval(start, max(start, end))
