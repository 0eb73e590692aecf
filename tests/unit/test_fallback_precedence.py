"""Fallback precedence: one effective cover, and the SLA and impact figures read from it alike."""

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import fallbacks, impact, sla
from reports.fallbacks import FallbackSpan, effective_cover
from reports.impact import OutageImpactInput, outage_impact
from reports.periods import Period, parse_month
from reports.sla import OutageSpan, Policy, compute_sla

D = Decimal
SEPTEMBER = parse_month("2026-09", "UTC")
T0 = datetime(2026, 9, 3, 10, tzinfo=UTC)
LATER = datetime(2026, 12, 1, tzinfo=UTC)
HALF, TEN = D("0.5"), D(10)


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def spans_of(*rows: tuple[float, float | None, str]) -> list[FallbackSpan]:
    return [FallbackSpan(minute(a), None if b is None else minute(b), D(p)) for a, b, p in rows]


# An hour-long outage from T0 and four fallbacks that overlap it and each other.
OVERLAPPING = spans_of(
    (-10, 5, "0"),  # on before the outage: mitigated seconds, but nothing given back
    (10, 40, "30"),
    (20, 50, "80"),
    (30, None, "50"),  # still open
)


def pieces(spans: list[FallbackSpan], now: datetime) -> list[tuple[float, float, Decimal]]:
    def at(instant: datetime) -> float:
        return (instant - T0) / timedelta(minutes=1)

    return [
        (at(c.interval.start), at(c.interval.end), c.effectiveness_pct)
        for c in effective_cover(spans, now)
    ]


def test_the_most_effective_active_fallback_wins_at_each_instant():
    assert pieces(OVERLAPPING, minute(120)) == [
        (-10, 5, D(0)),
        (10, 20, D(30)),
        (20, 30, D(80)),
        (30, 40, D(80)),
        (40, 50, D(80)),
        (50, 120, D(50)),
    ]


def test_instants_are_floored_and_open_spans_run_to_now():
    spans = [FallbackSpan(minute(0) + timedelta(microseconds=900), None, D(40))]
    assert pieces(spans, minute(3)) == [(0, 3, D(40))]
    assert pieces(spans, minute(-1)) == []


def test_of_equally_effective_fallbacks_the_first_given_wins():
    first, second = FallbackSpan(minute(0), minute(10), D("50.0")), *spans_of((5, 15, "50"))
    cover = effective_cover([first, second], LATER)
    assert [str(c.effectiveness_pct) for c in cover] == ["50.0", "50.0", "50"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: FallbackSpan(minute(0), None, D(101)),
        lambda: FallbackSpan(minute(0), None, D("NaN")),
        lambda: FallbackSpan(minute(0), None, 0.5),
        lambda: FallbackSpan(minute(10), minute(0), D(50)),
        lambda: FallbackSpan(datetime(2026, 9, 3), None, D(50)),
    ],
)
def test_bad_spans_are_rejected(build):
    with pytest.raises((ValueError, TypeError)):
        build()


# --- SLA and impact agree on one fixture


def sla_of(outage, spans, period=SEPTEMBER, weight=HALF, now=None) -> sla.SLAFigures:
    """A 24x7 policy that counts every outage, so the SLA counts the outage's own time."""
    return compute_sla(
        period=period,
        policy=Policy(target_pct=D("99.9"), degraded_weight=weight, min_outage_seconds=0),
        outages=[outage],
        maintenance=[],
        no_data=[],
        fallbacks=spans,
        now=now,
    )


def impact_of(outage, spans, weight=HALF, cpm=TEN, **window) -> impact.OutageImpact:
    item = OutageImpactInput(
        outage_id=1,
        workflow_id=1,
        customer_id=1,
        upstream_dependency="",
        started_at=outage.started_at,
        ended_at=outage.ended_at,
        severity=outage.severity,
        excluded=False,
        cost_per_minute=cpm,
        currency="USD",
        users_affected=1,
        degraded_weight=weight,
        activations=tuple(spans),
    )
    window = window or {"window_start": SEPTEMBER.start, "window_end": SEPTEMBER.end, "now": LATER}
    return outage_impact(item, **window)


def test_effective_availability_and_mitigated_minutes_agree_on_overlapping_fallbacks():
    outage = OutageSpan(1, minute(0), minute(60), "down")
    figures, cost = sla_of(outage, OVERLAPPING), impact_of(outage, OVERLAPPING)
    # under a fallback: 5 min at 0 %, 10 at 30 %, 30 at 80 %, 10 at 50 % => 1,920 s given back
    assert figures.mitigated_seconds == cost.mitigated_seconds == 3300
    with localcontext(prec=50):
        month = SEPTEMBER.seconds
        assert figures.effective_availability_pct == D(100) * (month - 3600 + 1920) / month
    assert cost.avoided_cost == D(1920) / 60 * 10
    assert cost.cost == D(3600 - 1920) / 60 * 10


BASE = datetime(2026, 9, 3, tzinfo=UTC)
DAY = Period(BASE, BASE + timedelta(days=1), "UTC", "day")
OFFSET = st.integers(0, 24 * 3600)


def at(seconds: int) -> datetime:
    return BASE + timedelta(seconds=seconds)


@st.composite
def overlapping_fallbacks(draw) -> tuple[OutageSpan, list[FallbackSpan], Decimal]:
    start = draw(st.integers(0, 20 * 3600))
    end = start + draw(st.integers(1, 4 * 3600))
    severity = draw(st.sampled_from(sla.SEVERITIES))
    outage = OutageSpan(1, at(start), at(end), severity)
    spans = []
    for _ in range(draw(st.integers(2, 6))):
        on = draw(st.integers(start - 1800, end))
        length = draw(st.none() | st.integers(0, 3 * 3600))
        off = None if length is None else at(on + length)
        spans.append(FallbackSpan(at(on), off, draw(st.decimals(0, 100, places=1))))
    return outage, spans, draw(st.decimals(0, 1, places=3))


@settings(max_examples=300, deadline=None)
@given(overlapping_fallbacks(), OFFSET)
def test_sla_relief_is_impacts_avoided_time(case, now_offset):
    """The seconds the SLA gives back are the weighted minutes impact prices as avoided."""
    outage, spans, weight = case
    now = at(now_offset)
    figures = sla_of(outage, spans, DAY, weight, now)
    window = {"window_start": DAY.start, "window_end": DAY.end, "now": now}
    cost = impact_of(outage, spans, weight, D(1), **window)
    assert figures.mitigated_seconds == cost.mitigated_seconds
    if figures.measured_seconds == 0:
        return
    gain = Fraction(figures.effective_availability_pct) - Fraction(figures.availability_pct)
    relief = gain * figures.measured_seconds / 100
    assert abs(relief - Fraction(cost.avoided_cost) * 60) <= Fraction(1, 10**40)


def called_code(run: Callable[[], object]) -> set:
    """Code objects of every Python function called while ``run`` runs."""
    seen = set()

    def profile(frame, event, _arg):
        if event == "call":
            seen.add(frame.f_code)

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen


def test_sla_and_impact_both_weigh_fallbacks_with_the_one_shared_function():
    assert sla.effective_cover is impact.effective_cover is fallbacks.effective_cover
    outage = OutageSpan(1, minute(0), minute(60), "down")
    shared = fallbacks.effective_cover.__code__
    assert shared in called_code(lambda: sla_of(outage, OVERLAPPING))
    assert shared in called_code(lambda: impact_of(outage, OVERLAPPING))
