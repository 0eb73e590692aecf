"""SLA math for one workflow over one period (SPEC §4), on plain intervals.

No ORM and no floats: durations are integer seconds, ratios are Decimals. Every input instant
is floored to the whole second, so the set arithmetic below is exact and the figures add up
(measured = scheduled - maintenance - excluded no-data, to the second).

Ratios are computed with one division in a 50-digit context. Inputs are integer seconds and
policy Decimals with a few places, so an availability that is not exactly representable lies
far further from any target, tier or 3-decimal display boundary than the 1e-48 rounding
error: comparisons and truncation on these Decimals are exact in practice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Context, Decimal, localcontext
from enum import StrEnum

from continuity.formatting import percent
from reports.fallbacks import Cover, FallbackSpan, effective_cover
from reports.intervals import (
    Interval,
    ServiceWindow,
    as_interval,
    clip,
    floor_second,
    intersect,
    service_intervals,
    subtract,
    total_seconds,
)
from reports.periods import Period

_CTX = Context(prec=50)
_SECOND = timedelta(seconds=1)
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
SEVERITIES = ("down", "degraded")
DEFAULT_BURN_WINDOWS = (timedelta(hours=1), timedelta(hours=6), timedelta(days=3))


def _decimal(name: str, value: Decimal | int, low: int, high: int) -> Decimal:
    """Accept Decimal or int (never float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    value = Decimal(value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


@dataclass(frozen=True)
class CreditTier:
    below_pct: Decimal
    credit_pct: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "below_pct", _decimal("below_pct", self.below_pct, 0, 100))
        object.__setattr__(self, "credit_pct", _decimal("credit_pct", self.credit_pct, 0, 100))


class NoDataMode(StrEnum):
    EXCLUDED = "excluded"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Policy:
    """An SLA policy. Empty ``service_hours`` means 24x7."""

    target_pct: Decimal
    degraded_weight: Decimal = Decimal("0.5")
    min_outage_seconds: int = 60
    no_data: NoDataMode = NoDataMode.EXCLUDED
    credit_tiers: tuple[CreditTier, ...] = ()
    service_hours: tuple[ServiceWindow, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "target_pct", _decimal("target_pct", self.target_pct, 0, 100))
        set_(self, "degraded_weight", _decimal("degraded_weight", self.degraded_weight, 0, 1))
        if self.min_outage_seconds < 0:
            raise ValueError(f"min_outage_seconds must be >= 0, got {self.min_outage_seconds}")
        set_(self, "no_data", NoDataMode(self.no_data))
        set_(self, "credit_tiers", tuple(self.credit_tiers))
        set_(self, "service_hours", tuple(self.service_hours))


@dataclass(frozen=True)
class OutageSpan:
    outage_id: int | None
    started_at: datetime
    ended_at: datetime | None
    severity: str
    excluded: bool = False

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be 'down' or 'degraded', got {self.severity!r}")


@dataclass(frozen=True)
class SLAFigures:
    """Figures for one workflow and period. Durations are integer seconds unless noted."""

    period_seconds: int
    scheduled_seconds: int
    maintenance_seconds: int
    no_data_seconds: int
    measured_seconds: int
    down_seconds: int
    degraded_seconds: int
    counted_downtime_seconds: Decimal
    availability_pct: Decimal | None
    availability_display: str | None
    met: bool | None
    target_pct: Decimal
    error_budget_seconds: Decimal
    error_budget_remaining_seconds: Decimal
    credit_pct: Decimal
    outage_count: int
    mttr_seconds: Decimal | None
    longest_outage_seconds: int | None
    coverage_pct: Decimal | None
    effective_availability_pct: Decimal | None
    effective_availability_display: str | None
    mitigated_seconds: int
    # Where the SLA period starts: the period start, or the workflow's SLA effective date
    # when that falls inside the period, or the period end when the whole period lies
    # before it (`before_effective_from`: nothing counts). `effective_from` is the effective
    # date whenever it cuts the period, None when the whole period counts.
    effective_start: datetime
    effective_from: datetime | None
    before_effective_from: bool


# --- presentation helpers


def select_credit(availability: Decimal | None, tiers: Iterable[CreditTier]) -> Decimal:
    """The largest credit of the tiers whose below_pct is strictly above ``availability``."""
    if availability is None:
        return _ZERO
    return max((t.credit_pct for t in tiers if t.below_pct > availability), default=_ZERO)


# --- the computation


@dataclass(frozen=True)
class _Breakdown:
    """The window's scheduled time split into disjoint kinds (interval lists)."""

    window: Interval
    scheduled: list[Interval]
    maintenance: list[Interval]
    down: list[Interval]
    degraded: list[Interval]
    no_data: list[Interval]
    outages: list[Interval]  # counted outages, unclipped


def compute_sla(
    *,
    period: Period,
    policy: Policy,
    outages: Sequence[OutageSpan],
    maintenance: Sequence[Interval],
    no_data: Sequence[Interval],
    fallbacks: Sequence[FallbackSpan] = (),
    now: datetime | None = None,
    effective_from: datetime | None = None,
) -> SLAFigures:
    """SLA figures for ``period``; with ``now`` before its end, month-to-date figures.

    Seconds after ``now`` are neither measured nor counted; open outages and fallbacks run
    to ``now`` (default: the period end), so ``scheduled_seconds`` is the scheduled time
    elapsed so far. A fallback mitigates any down/degraded time it covers, whatever its
    ``outage_id``: the caller passes one workflow's outages and fallbacks.

    Seconds before ``effective_from`` (the workflow's SLA effective date) lie outside the
    SLA period: the period is cut to [max(start, effective_from), end), so they are neither
    measured nor no data.
    """
    now = floor_second(now) if now is not None else period.end
    start = effective_start(period, effective_from)
    with localcontext(_CTX):
        parts = _breakdown(period, start, policy, outages, maintenance, no_data, now)
        figures = _figures(period, policy, parts, effective_cover(fallbacks, now))
    if start == period.start:
        return figures
    cut = floor_second(effective_from) if effective_from is not None else None
    return replace(figures, effective_from=cut, before_effective_from=start >= period.end)


def effective_start(period: Period, effective_from: datetime | None) -> datetime:
    """Where ``period`` starts counting for a workflow whose SLA is effective from
    ``effective_from`` (None: always): never before the period start nor after its end."""
    if effective_from is None:
        return period.start
    return min(max(period.start, floor_second(effective_from, "effective_from")), period.end)


def leading_no_data(
    *, start: datetime, end: datetime, first_results: Sequence[datetime | None]
) -> list[Interval]:
    """The no-data time of [start, end) before a workflow's monitoring began (SPEC §3).

    A location is stale before its first result, so the workflow is no data until the
    earliest first result among its probes (``first_results``, one per probe; None: the
    probe never reported). A workflow without probes is not monitored by probes at all
    (manual outages only) and gets no leading gap.
    """
    if not first_results:
        return []
    reported = [floor_second(first, "first_results") for first in first_results if first]
    until = min([*reported, end])
    return [Interval(start, until)] if until > start else []


def _kept_outages(
    outages: Iterable[OutageSpan], policy: Policy, now: datetime
) -> list[tuple[str, Interval]]:
    """Outages that count: not excluded, and at least min_outage_seconds over their full span."""
    kept = []
    for outage in outages:
        span = as_interval(outage.started_at, outage.ended_at, now)
        seconds = total_seconds([span])
        if not outage.excluded and seconds > 0 and seconds >= policy.min_outage_seconds:
            kept.append((outage.severity, span))
    return kept


def _breakdown(
    period: Period,
    start: datetime,
    policy: Policy,
    outages: Iterable[OutageSpan],
    maintenance: Iterable[Interval],
    no_data: Iterable[Interval],
    now: datetime,
) -> _Breakdown:
    window = Interval(start, max(start, min(period.end, now)))
    scheduled = clip(service_intervals(period, policy.service_hours), window)
    maint = intersect((as_interval(m.start, m.end, now) for m in maintenance), scheduled)
    usable = subtract(scheduled, maint)
    kept = _kept_outages(outages, policy, now)
    down = intersect((s for sev, s in kept if sev == "down"), usable)
    degraded = subtract(intersect((s for sev, s in kept if sev == "degraded"), usable), down)
    gaps = intersect((as_interval(g.start, g.end, now) for g in no_data), usable)
    gaps = subtract(gaps, down + degraded)
    spans = [span for _, span in kept]
    return _Breakdown(window, scheduled, maint, down, degraded, gaps, spans)


def _pct(part: Decimal, whole: int) -> Decimal | None:
    return None if whole == 0 else _HUNDRED * part / whole


def availability(counted_downtime_seconds: Decimal, measured_seconds: int) -> Decimal | None:
    """100 × (1 − counted / measured), exact; None when nothing was measured."""
    with localcontext(_CTX):
        return _pct(measured_seconds - counted_downtime_seconds, measured_seconds)


def _display(value: Decimal | None) -> str | None:
    return None if value is None else percent(value)


def _figures(period: Period, policy: Policy, parts: _Breakdown, cover: list[Cover]) -> SLAFigures:
    scheduled, maint = total_seconds(parts.scheduled), total_seconds(parts.maintenance)
    down, degraded = total_seconds(parts.down), total_seconds(parts.degraded)
    gaps = total_seconds(parts.no_data)
    monitored = scheduled - maint
    measured = monitored - gaps if policy.no_data is NoDataMode.EXCLUDED else monitored
    counted = down + degraded * policy.degraded_weight
    if policy.no_data is NoDataMode.DOWN:
        counted += gaps
    availability = _pct(measured - counted, measured)
    effective = _pct(measured - counted + _relief(parts, policy, cover), measured)
    budget = measured * (_HUNDRED - policy.target_pct) / _HUNDRED
    count, mttr, longest = _outage_stats(parts)
    return SLAFigures(
        period_seconds=period.seconds,
        scheduled_seconds=scheduled,
        maintenance_seconds=maint,
        no_data_seconds=gaps,
        measured_seconds=measured,
        down_seconds=down,
        degraded_seconds=degraded,
        counted_downtime_seconds=Decimal(counted),
        availability_pct=availability,
        availability_display=_display(availability),
        met=None if availability is None else availability >= policy.target_pct,
        target_pct=policy.target_pct,
        error_budget_seconds=budget,
        error_budget_remaining_seconds=budget - counted,
        credit_pct=select_credit(availability, policy.credit_tiers),
        outage_count=count,
        mttr_seconds=mttr,
        longest_outage_seconds=longest,
        coverage_pct=_pct(Decimal(monitored - gaps), monitored),
        effective_availability_pct=effective,
        effective_availability_display=_display(effective),
        mitigated_seconds=_mitigated_seconds(parts, cover),
        effective_start=parts.window.start,
        effective_from=None,
        before_effective_from=False,
    )


def _mitigated_seconds(parts: _Breakdown, cover: list[Cover]) -> int:
    """Down or degraded seconds under any active fallback, whatever its effectiveness."""
    return total_seconds(intersect(parts.down + parts.degraded, [c.interval for c in cover]))


def _relief(parts: _Breakdown, policy: Policy, cover: list[Cover]) -> Decimal:
    """Counted seconds a fallback gave back: weight x effectiveness for each mitigated second."""
    relief = _ZERO
    for piece in cover:
        weighted = total_seconds(clip(parts.down, piece.interval))
        weighted += total_seconds(clip(parts.degraded, piece.interval)) * policy.degraded_weight
        relief += weighted * piece.effectiveness_pct / _HUNDRED
    return relief


def _outage_stats(parts: _Breakdown) -> tuple[int, Decimal | None, int | None]:
    """Count, mean and longest duration (clipped to the window) of outages in measured time."""
    usable = subtract(parts.scheduled, parts.maintenance)
    durations = [
        total_seconds(clip([span], parts.window))
        for span in parts.outages
        if intersect([span], usable)
    ]
    if not durations:
        return 0, None, None
    return len(durations), Decimal(sum(durations)) / len(durations), max(durations)


def burn_rates(
    *,
    policy: Policy,
    outages: Sequence[OutageSpan],
    maintenance: Sequence[Interval],
    no_data: Sequence[Interval],
    now: datetime,
    tz: str,
    windows: Sequence[timedelta] = DEFAULT_BURN_WINDOWS,
    effective_from: datetime | None = None,
) -> dict[str, Decimal | None]:
    """Error-budget burn rate over each trailing window ending at ``now``.

    burn = (counted downtime / measured) / (1 - target/100): 1 spends the budget exactly over
    the window, 14.4 over 1 h is the usual fast-burn page. None when nothing was measured or
    the target is 100 (no budget to burn).
    """
    rates: dict[str, Decimal | None] = {}
    for width in windows:
        period = Period(now - width, now, tz, f"{(now - width).isoformat()}/{now.isoformat()}")
        figures = compute_sla(
            period=period,
            policy=policy,
            outages=outages,
            maintenance=maintenance,
            no_data=no_data,
            now=now,
            effective_from=effective_from,
        )
        rates[_width_label(width)] = _burn(figures, policy)
    return rates


def _burn(figures: SLAFigures, policy: Policy) -> Decimal | None:
    if figures.measured_seconds == 0 or policy.target_pct == _HUNDRED:
        return None
    with localcontext(_CTX):
        allowed = figures.measured_seconds * (_HUNDRED - policy.target_pct)
        return figures.counted_downtime_seconds * _HUNDRED / allowed


def _width_label(width: timedelta) -> str:
    """The window's key, in the largest unit that divides it: 1h, 6h, 3d, 90m, 45s."""
    seconds = width // _SECOND
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
