"""Fallback precedence: at each instant, the most effective active fallback wins.

Pure: no ORM, no floats. This is the rule's only home: the SLA's effective availability,
impact's mitigated minutes and avoided cost, and the console's outage timeline all read
fallbacks as ``FallbackSpan`` and weigh overlapping ones with ``effective_cover``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from heapq import heappop, heappush
from itertools import pairwise

from reports.intervals import Interval, as_interval, check_order


@dataclass(frozen=True)
class FallbackSpan:
    """A fallback active over [activated_at, deactivated_at); open while deactivated_at is None."""

    activated_at: datetime
    deactivated_at: datetime | None
    effectiveness_pct: Decimal  # share of the workflow's function it restores, 0..100
    outage_id: int | None = None

    def __post_init__(self) -> None:
        check_order(self.activated_at, self.deactivated_at, "activation")
        object.__setattr__(self, "effectiveness_pct", _effectiveness(self.effectiveness_pct))

    def interval(self, now: datetime) -> Interval:
        """The span floored to the second; an open one runs to ``now`` (floored by the caller)."""
        return as_interval(self.activated_at, self.deactivated_at, now)


@dataclass(frozen=True)
class Cover:
    """A stretch of time during which the best active fallback restores ``effectiveness_pct``."""

    interval: Interval
    effectiveness_pct: Decimal


def effective_cover(spans: Iterable[FallbackSpan], now: datetime) -> list[Cover]:
    """Disjoint pieces in time order, each with the highest effectiveness active throughout it.

    Instants without an active fallback have no piece. Pieces break at every activation and
    deactivation even where the winner stays the same, so a sum over pieces does not depend
    on how ties fall. Of equally effective fallbacks, the first given wins.
    """
    indexed = [(s.interval(now), s.effectiveness_pct, i) for i, s in enumerate(spans)]
    edges = sorted({t for iv, _, _ in indexed for t in (iv.start, iv.end)})
    waiting = iter(sorted((e for e in indexed if e[0].end > e[0].start), key=lambda e: e[0].start))
    upcoming = next(waiting, None)
    active: list[tuple[Decimal, int, datetime, Decimal]] = []  # a heap, best (highest pct) first
    cover: list[Cover] = []
    for lo, hi in pairwise(edges):
        while upcoming is not None and upcoming[0].start <= lo:
            iv, pct, i = upcoming
            heappush(active, (-pct, i, iv.end, pct))
            upcoming = next(waiting, None)
        while active and active[0][2] <= lo:
            heappop(active)
        if active:
            cover.append(Cover(Interval(lo, hi), active[0][3]))
    return cover


def _effectiveness(value: Decimal | int) -> Decimal:
    """A finite Decimal or int (never float) from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"effectiveness_pct must be a Decimal, got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(f"effectiveness_pct must be between 0 and 100, got {value}")
    return value
