"""Downtime impact (SPEC §5): what each outage cost, what its fallbacks saved, who it hit.

Pure: frozen dataclasses in and out, no ORM, no floats. Every instant is floored to the whole
second and the interval algebra of ``reports.intervals`` does the set arithmetic, so counted and
mitigated seconds are exact integers on the same footing as the SLA figures.

Counted time is the outage ∩ the window, cut at ``now``; open outages and open activations run
to ``now``. It is the outage's own time: maintenance, service hours and min_outage_seconds are
SLA-policy notions and are not applied here (a caller who wants them drops or excludes the
outage first). Excluded outages count nothing.

Money is kept unrounded. Each per-outage figure is one division of an exact numerator
(integer seconds × the Decimal inputs) by 60 × 100 in a 50-digit context, so it is exact
whenever the true value terminates and otherwise within 1e-48 of it relatively. Rounding one
exact numerator keeps order, so cost never rises with effectiveness, and cost + avoided cost
equals weighted minutes × cost per minute to that precision (exactly, for whole minutes).
Totals sum these unrounded values, so a total is the sum of its outages, not of their rounded
cents. ``money()`` rounds to cents (half-even) for display: round once, at the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from reports.fallbacks import FallbackSpan, effective_cover
from reports.intervals import (
    Interval,
    as_interval,
    check_order,
    floor_second,
    intersect,
    total_seconds,
)
from reports.sla import SEVERITIES

_CTX = Context(prec=50)
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_ZERO = Decimal(0)
_SECONDS_PER_MINUTE = 60

Key = str | int


@dataclass(frozen=True)
class OutageImpactInput:
    outage_id: int
    workflow_id: int
    customer_id: int
    upstream_dependency: str
    started_at: datetime
    ended_at: datetime | None
    severity: str  # "down" | "degraded"
    excluded: bool
    cost_per_minute: Decimal
    currency: str
    users_affected: int
    degraded_weight: Decimal  # the workflow's policy weight; degraded minutes count at it
    activations: tuple[FallbackSpan, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be 'down' or 'degraded', got {self.severity!r}")
        check_order(self.started_at, self.ended_at, "outage")
        set_ = object.__setattr__
        set_(self, "cost_per_minute", _number("cost_per_minute", self.cost_per_minute, 0))
        set_(self, "degraded_weight", _number("degraded_weight", self.degraded_weight, 0, 1))
        if isinstance(self.users_affected, bool) or not isinstance(self.users_affected, int):
            raise TypeError(f"users_affected must be an int, got {self.users_affected!r}")
        if self.users_affected < 0:
            raise ValueError(f"users_affected must be >= 0, got {self.users_affected}")
        set_(self, "activations", tuple(self.activations))

    @property
    def weight(self) -> Decimal:
        """How much one counted minute weighs: 1 when down, the policy weight when degraded."""
        return _ONE if self.severity == "down" else self.degraded_weight


@dataclass(frozen=True)
class OutageImpact:
    outage_id: int
    workflow_id: int
    customer_id: int
    upstream_dependency: str
    currency: str
    counted_seconds: int  # outage ∩ window (excluded outages: 0)
    mitigated_seconds: int  # counted seconds under an active fallback, whatever its effectiveness
    unmitigated_seconds: int
    weighted_minutes: Decimal  # counted minutes × weight
    cost: Decimal  # unmitigated min × cpm × w + Σ mitigated min × cpm × w × (1 − eff)
    avoided_cost: Decimal  # Σ mitigated min × cpm × w × eff
    user_minutes_lost: Decimal  # users_affected × weighted counted minutes; fallbacks don't cut it


@dataclass(frozen=True)
class ImpactTotals:
    key: Key  # workflow id / customer id / dependency label
    outages: int  # outages with counted time (excluded or out-of-window ones are not counted)
    counted_seconds: int
    mitigated_seconds: int
    cost: dict[str, Decimal]  # per currency code, sorted by code
    avoided_cost: dict[str, Decimal]
    user_minutes_lost: Decimal


# --- per outage


def outage_impact(
    item: OutageImpactInput, *, window_start: datetime, window_end: datetime, now: datetime
) -> OutageImpact:
    """Impact of one outage within [window_start, window_end), as known at ``now``."""
    now = floor_second(now)
    counted = _counted(item, _window(window_start, window_end, now), now)
    levels = _mitigation_levels(counted, item.activations, now)
    with localcontext(_CTX):
        return _priced(item, total_seconds(counted), levels)


def impacts(
    items: Sequence[OutageImpactInput],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> list[OutageImpact]:
    """One impact per input, in input order (outages outside the window give zero figures)."""
    return [
        outage_impact(item, window_start=window_start, window_end=window_end, now=now)
        for item in items
    ]


def money(value: Decimal) -> Decimal:
    """A money figure rounded to cents, half-even, for display."""
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN, context=_CTX)


def _window(start: datetime, end: datetime, now: datetime) -> Interval:
    """The window cut at ``now``: seconds that have not happened yet cost nothing."""
    lower, upper = floor_second(start), floor_second(end)
    if upper < lower:
        raise ValueError(f"window ends before it starts: {start} > {end}")
    return Interval(lower, max(lower, min(upper, now)))


def _counted(item: OutageImpactInput, window: Interval, now: datetime) -> list[Interval]:
    if item.excluded:
        return []
    return intersect([as_interval(item.started_at, item.ended_at, now)], [window])


def _mitigation_levels(
    counted: list[Interval], activations: Iterable[FallbackSpan], now: datetime
) -> list[tuple[int, Decimal]]:
    """Counted seconds under each piece of the fallbacks' effective cover, at its effectiveness.

    The pieces are disjoint, so the levels add up to exactly the counted time under some
    fallback. An activation outside the outage adds nothing.
    """
    levels = []
    for piece in effective_cover(activations, now):
        seconds = total_seconds(intersect(counted, [piece.interval]))
        if seconds:
            levels.append((seconds, piece.effectiveness_pct))
    return levels


def _priced(
    item: OutageImpactInput, counted: int, levels: list[tuple[int, Decimal]]
) -> OutageImpact:
    """Money and user-minutes from whole seconds; each figure is a single division.

    Numerators are in "seconds × percent" so that effectiveness needs no division of its own.
    """
    mitigated = sum(seconds for seconds, _ in levels)
    lost = (counted - mitigated) * _HUNDRED + sum(s * (_HUNDRED - pct) for s, pct in levels)
    saved = sum((s * pct for s, pct in levels), _ZERO)
    unit = item.cost_per_minute * item.weight
    divisor = _SECONDS_PER_MINUTE * _HUNDRED
    return OutageImpact(
        outage_id=item.outage_id,
        workflow_id=item.workflow_id,
        customer_id=item.customer_id,
        upstream_dependency=item.upstream_dependency,
        currency=item.currency,
        counted_seconds=counted,
        mitigated_seconds=mitigated,
        unmitigated_seconds=counted - mitigated,
        weighted_minutes=counted * item.weight / _SECONDS_PER_MINUTE,
        cost=unit * lost / divisor,
        avoided_cost=unit * saved / divisor,
        user_minutes_lost=item.users_affected * counted * item.weight / _SECONDS_PER_MINUTE,
    )


# --- totals


def totals_by(
    impacts: Sequence[OutageImpact], key: Callable[[OutageImpact], Key]
) -> list[ImpactTotals]:
    """Impacts summed per ``key(impact)``, sorted by key; money stays per currency."""
    groups: dict[Key, list[OutageImpact]] = {}
    for impact in impacts:
        groups.setdefault(key(impact), []).append(impact)
    with localcontext(_CTX):
        return [_total(k, groups[k]) for k in sorted(groups)]


def by_workflow(impacts: Sequence[OutageImpact]) -> list[ImpactTotals]:
    return totals_by(impacts, lambda i: i.workflow_id)


def by_customer(impacts: Sequence[OutageImpact]) -> list[ImpactTotals]:
    return totals_by(impacts, lambda i: i.customer_id)


def by_dependency(impacts: Sequence[OutageImpact]) -> list[ImpactTotals]:
    """Per upstream dependency label, across customers; "" groups workflows without one."""
    return totals_by(impacts, lambda i: i.upstream_dependency)


def _total(key: Key, group: list[OutageImpact]) -> ImpactTotals:
    return ImpactTotals(
        key=key,
        outages=sum(1 for i in group if i.counted_seconds > 0),
        counted_seconds=sum(i.counted_seconds for i in group),
        mitigated_seconds=sum(i.mitigated_seconds for i in group),
        cost=_per_currency(group, lambda i: i.cost),
        avoided_cost=_per_currency(group, lambda i: i.avoided_cost),
        user_minutes_lost=sum((i.user_minutes_lost for i in group), _ZERO),
    )


def _per_currency(
    group: list[OutageImpact], amount: Callable[[OutageImpact], Decimal]
) -> dict[str, Decimal]:
    """Sums per currency, never across currencies (no conversion is implied)."""
    currencies = sorted({i.currency for i in group})
    return {c: sum((amount(i) for i in group if i.currency == c), _ZERO) for c in currencies}


# --- input checks


def _number(name: str, value: Decimal | int, low: int, high: int | None = None) -> Decimal:
    """Accept a finite Decimal or int (never float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite() or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value
