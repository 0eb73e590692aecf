"""Downtime impact (SPEC §5): worked examples with exact figures, then properties."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reports.fallbacks import FallbackSpan
from reports.impact import (
    ImpactTotals,
    OutageImpactInput,
    by_customer,
    by_dependency,
    by_workflow,
    impacts,
    money,
    outage_impact,
    totals_by,
)
from reports.periods import Period
from reports.sla import OutageSpan, Policy, compute_sla

D = Decimal
SEPT_START = datetime(2026, 9, 1, tzinfo=UTC)
OCT_START = datetime(2026, 10, 1, tzinfo=UTC)
NOV_START = datetime(2026, 11, 1, tzinfo=UTC)
T0 = datetime(2026, 9, 3, 10, tzinfo=UTC)  # outages start here unless a test says otherwise
LATER = datetime(2026, 12, 1, tzinfo=UTC)  # a "now" after every window


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def fallback(start: float, end: float | None, pct: int | str = 100) -> FallbackSpan:
    return FallbackSpan(minute(start), None if end is None else minute(end), D(pct))


def outage(end: float | None = 60, **overrides) -> OutageImpactInput:
    """A 60-minute down outage of workflow 1 (customer 1, "OpenAI API"), 10 USD a minute."""
    fields = {
        "outage_id": 1,
        "workflow_id": 1,
        "customer_id": 1,
        "upstream_dependency": "OpenAI API",
        "started_at": T0,
        "ended_at": None if end is None else minute(end),
        "severity": "down",
        "excluded": False,
        "cost_per_minute": D(10),
        "currency": "USD",
        "users_affected": 100,
        "degraded_weight": D("0.5"),
        "activations": (),
    }
    return OutageImpactInput(**{**fields, **overrides})


def impact_of(item, window_start=SEPT_START, window_end=OCT_START, now=LATER):
    return outage_impact(item, window_start=window_start, window_end=window_end, now=now)


def figures(impact) -> tuple:
    """(counted, mitigated, unmitigated seconds, cost, avoided cost, user-minutes lost)."""
    return (
        impact.counted_seconds,
        impact.mitigated_seconds,
        impact.unmitigated_seconds,
        impact.cost,
        impact.avoided_cost,
        impact.user_minutes_lost,
    )


# --- one outage


@pytest.mark.parametrize(
    ("activations", "expected"),
    [
        pytest.param((), (3600, 0, 3600, 600, 0, 6000), id="no-fallback"),
        pytest.param(
            (fallback(0, 60, 50),), (3600, 3600, 0, 300, 300, 6000), id="half-effective-throughout"
        ),
        pytest.param((fallback(12, 60),), (3600, 2880, 720, 120, 480, 6000), id="from-minute-12"),
        pytest.param(
            (fallback(30, 120),), (3600, 1800, 1800, 300, 300, 6000), id="outlives-the-outage"
        ),
        pytest.param((fallback(-30, 30),), (3600, 1800, 1800, 300, 300, 6000), id="on-before-it"),
        pytest.param((fallback(30, None),), (3600, 1800, 1800, 300, 300, 6000), id="still-open"),
        pytest.param((fallback(90, 100),), (3600, 0, 3600, 600, 0, 6000), id="after-the-outage"),
        pytest.param((fallback(0, 60, 0),), (3600, 3600, 0, 600, 0, 6000), id="zero-effective"),
        # 50% over minutes 0-40 and 80% over 20-60: the better one wins where both are on,
        # 20 min at 50% and 40 at 80%: cost 20×10×0.5 + 40×10×0.2, avoided 100 + 320
        pytest.param(
            (fallback(0, 40, 50), fallback(20, 60, 80)),
            (3600, 3600, 0, 180, 420, 6000),
            id="overlap-highest-wins",
        ),
        # a worse fallback inside a better one changes nothing
        pytest.param(
            (fallback(0, 60, 100), fallback(10, 20, 30)),
            (3600, 3600, 0, 0, 600, 6000),
            id="worse-inside-better",
        ),
        # two fallbacks of the same effectiveness: overlap counted once
        pytest.param(
            (fallback(0, 30), fallback(15, 45)),
            (3600, 2700, 900, 150, 450, 6000),
            id="same-level-overlap",
        ),
    ],
)
def test_sixty_minute_down_outage(activations, expected):
    assert figures(impact_of(outage(activations=activations))) == expected


def test_an_hour_without_fallback_in_full():
    impact = impact_of(outage(outage_id=7, workflow_id=3, customer_id=2, currency="EUR"))
    assert (impact.outage_id, impact.workflow_id, impact.customer_id) == (7, 3, 2)
    assert (impact.upstream_dependency, impact.currency) == ("OpenAI API", "EUR")
    assert impact.weighted_minutes == 60
    assert (impact.cost, impact.avoided_cost, impact.user_minutes_lost) == (600, 0, 6000)


def test_degraded_minutes_count_at_the_policy_weight():
    impact = impact_of(outage(severity="degraded", activations=(fallback(30, 60),)))
    assert impact.weighted_minutes == 30
    assert (impact.counted_seconds, impact.mitigated_seconds) == (3600, 1800)
    assert (impact.cost, impact.avoided_cost, impact.user_minutes_lost) == (150, 150, 3000)


def test_down_outages_ignore_the_degraded_weight():
    assert impact_of(outage(degraded_weight=D("0.1"))).cost == 600


def test_excluded_outage_counts_nothing():
    impact = impact_of(outage(excluded=True, activations=(fallback(0, 60),)))
    assert figures(impact) == (0, 0, 0, 0, 0, 0)
    assert impact.weighted_minutes == 0


@pytest.mark.parametrize(
    ("window", "counted", "cost"),
    [
        ((SEPT_START, OCT_START), 1800, 300),
        ((OCT_START, NOV_START), 2700, 450),
        ((NOV_START, LATER), 0, 0),
    ],
)
def test_outage_crossing_the_window_boundary_counts_only_the_inside(window, counted, cost):
    crossing = outage(
        started_at=datetime(2026, 9, 30, 23, 30, tzinfo=UTC),
        ended_at=datetime(2026, 10, 1, 0, 45, tzinfo=UTC),
    )
    impact = impact_of(crossing, *window)
    assert (impact.counted_seconds, impact.cost) == (counted, cost)


def test_open_outage_and_open_fallback_run_to_now():
    impact = impact_of(outage(end=None, activations=(fallback(10, None, 50),)), now=minute(25))
    # 25 minutes so far, the last 15 at 50%: cost 10×10 + 15×10×0.5, avoided 15×10×0.5
    assert figures(impact) == (1500, 900, 600, 175, 75, 2500)


def test_open_outage_stops_at_the_window_end():
    late = outage(end=None, started_at=datetime(2026, 9, 30, 23, 50, tzinfo=UTC))
    assert impact_of(late, now=datetime(2026, 10, 1, 2, tzinfo=UTC)).counted_seconds == 600


def test_outage_starting_after_now_counts_nothing_yet():
    assert impact_of(outage(end=None), now=minute(-5)).counted_seconds == 0


def test_sub_second_instants_are_floored_like_the_sla_math():
    blip = outage(
        started_at=T0.replace(microsecond=999_999),
        ended_at=T0 + timedelta(seconds=90, microseconds=500_000),
    )
    assert impact_of(blip).counted_seconds == 90


def test_money_stays_exact_until_displayed():
    one_second = outage(ended_at=T0 + timedelta(seconds=1), cost_per_minute=D(1))
    impact = impact_of(one_second)
    with localcontext(prec=50):
        assert impact.cost == D(1) / D(60)  # 0.01666…, kept to 50 digits
    assert money(impact.cost) == D("0.02")
    assert money(impact.cost * 3) == D("0.05")  # 0.05, not 3 × 0.02


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0.125", "0.12"), ("0.135", "0.14"), ("600", "600.00"), ("-0.005", "-0.00")],
)
def test_money_rounds_half_even_to_cents(value, shown):
    assert str(money(D(value))) == shown


def test_impacts_keeps_one_per_input_in_order():
    items = [outage(outage_id=2), outage(outage_id=1, excluded=True)]
    found = impacts(items, window_start=SEPT_START, window_end=OCT_START, now=LATER)
    assert [(i.outage_id, i.counted_seconds) for i in found] == [(2, 3600), (1, 0)]


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: outage(severity="up"), ValueError),
        (lambda: outage(ended_at=minute(-1)), ValueError),
        (lambda: outage(started_at=datetime(2026, 9, 3, 10)), ValueError),
        (lambda: outage(cost_per_minute=10.0), TypeError),
        (lambda: outage(cost_per_minute=D(-1)), ValueError),
        (lambda: outage(cost_per_minute=D("NaN")), ValueError),
        (lambda: outage(degraded_weight=D("1.5")), ValueError),
        (lambda: outage(users_affected=-1), ValueError),
        (lambda: outage(users_affected=1.0), TypeError),
        (lambda: fallback(0, 10, 101), ValueError),
        (lambda: fallback(10, 0), ValueError),
        (lambda: FallbackSpan(T0, None, 0.5), TypeError),
    ],
)
def test_rejects_bad_input(build, error):
    with pytest.raises(error):
        build()


def test_window_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="window"):
        impact_of(outage(), OCT_START, SEPT_START)


# --- totals


def totals_fixture():
    """Three workflows, two customers, two dependencies, two currencies."""
    half_hour_mitigated = outage(outage_id=2, end=90, started_at=minute(60))
    half_hour_mitigated = replace(half_hour_mitigated, activations=(fallback(60, 90),))
    eur = {"currency": "EUR", "customer_id": 2}
    items = [
        outage(outage_id=1),  # 600 USD, 6000 user-min
        half_hour_mitigated,  # 0 USD, avoided 300, 3000 user-min
        # degraded at 0.5, 4 EUR/min: 120 EUR, 300 user-min
        outage(
            outage_id=3,
            workflow_id=2,
            severity="degraded",
            cost_per_minute=D(4),
            users_affected=10,
            **eur,
        ),
        # 15 min, 2 EUR/min: 30 EUR, 300 user-min
        outage(
            outage_id=4,
            workflow_id=3,
            end=15,
            cost_per_minute=D(2),
            users_affected=20,
            upstream_dependency="Azure OpenAI",
            **eur,
        ),
        outage(  # excluded: nothing, and not counted as an outage
            outage_id=5, workflow_id=3, excluded=True, upstream_dependency="Azure OpenAI", **eur
        ),
    ]
    return impacts(items, window_start=SEPT_START, window_end=OCT_START, now=LATER)


def test_totals_by_workflow():
    assert by_workflow(totals_fixture()) == [
        ImpactTotals(1, 2, 5400, 1800, {"USD": D(600)}, {"USD": D(300)}, D(9000)),
        ImpactTotals(2, 1, 3600, 0, {"EUR": D(120)}, {"EUR": D(0)}, D(300)),
        ImpactTotals(3, 1, 900, 0, {"EUR": D(30)}, {"EUR": D(0)}, D(300)),
    ]


def test_totals_by_customer():
    assert by_customer(totals_fixture()) == [
        ImpactTotals(1, 2, 5400, 1800, {"USD": D(600)}, {"USD": D(300)}, D(9000)),
        ImpactTotals(2, 2, 4500, 0, {"EUR": D(150)}, {"EUR": D(0)}, D(600)),
    ]


def test_totals_by_dependency_keep_currencies_apart():
    azure, openai = by_dependency(totals_fixture())
    assert azure == ImpactTotals("Azure OpenAI", 1, 900, 0, {"EUR": D(30)}, {"EUR": D(0)}, D(300))
    cost, avoided = {"EUR": D(120), "USD": D(600)}, {"EUR": D(0), "USD": D(300)}
    assert openai == ImpactTotals("OpenAI API", 3, 9000, 1800, cost, avoided, D(9300))
    assert list(openai.cost) == ["EUR", "USD"]


def test_totals_sum_unrounded_amounts():
    third = outage(ended_at=T0 + timedelta(seconds=20), cost_per_minute=D(1))  # 0.333… each
    found = impacts([third] * 3, window_start=SEPT_START, window_end=OCT_START, now=LATER)
    assert [money(i.cost) for i in found] == [D("0.33")] * 3
    (total,) = totals_by(found, lambda i: "all")
    assert money(total.cost["USD"]) == D("1.00")


def test_no_impacts_no_totals():
    assert by_workflow([]) == []


# --- properties

OFFSET = st.integers(-2 * 3600, 26 * 3600)  # seconds from SEPT_START + 1 day
MICROS = st.integers(0, 999_999)
BASE = SEPT_START + timedelta(days=1)


def instant(seconds: int, micros: int = 0) -> datetime:
    return BASE + timedelta(seconds=seconds, microseconds=micros)


@st.composite
def activation_spans(draw, unit: int = 1):
    start = draw(OFFSET) // unit * unit
    length = draw(st.none() | st.integers(0, 6 * 3600))
    end = None if length is None else start + length // unit * unit
    pct = draw(st.decimals(0, 100, places=1))
    micros = sorted((draw(MICROS), draw(MICROS))) if unit == 1 else (0, 0)
    return FallbackSpan(
        instant(start, micros[0]), None if end is None else instant(end, micros[1]), pct
    )


@st.composite
def scenarios(draw, unit: int = 1):
    """An outage and a window; with ``unit=60`` every instant is on a whole minute."""
    start = draw(OFFSET) // unit * unit
    length = draw(st.none() | st.integers(0, 12 * 3600))
    ended = None if length is None else instant(start + length // unit * unit)
    item = outage(
        started_at=instant(start),
        ended_at=ended,
        severity=draw(st.sampled_from(["down", "degraded"])),
        excluded=draw(st.booleans()),
        cost_per_minute=draw(st.decimals(0, 100_000, places=2)),
        users_affected=draw(st.integers(0, 10**6)),
        degraded_weight=draw(st.decimals(0, 1, places=3)),
        activations=tuple(draw(st.lists(activation_spans(unit), max_size=4))),
    )
    bounds = sorted(draw(OFFSET) // unit * unit for _ in range(2))
    assume(bounds[0] < bounds[1])
    now = instant(draw(OFFSET) // unit * unit)
    return item, {"window_start": instant(bounds[0]), "window_end": instant(bounds[1]), "now": now}


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(scenarios())
def test_cost_and_avoided_cost_split_the_weighted_minutes(scenario):
    item, window = scenario
    impact = outage_impact(item, **window)
    minutes = Fraction(impact.counted_seconds, 60) * Fraction(item.weight)
    gross = minutes * Fraction(item.cost_per_minute)
    assert abs(Fraction(impact.cost) + Fraction(impact.avoided_cost) - gross) <= gross / 10**47
    assert abs(Fraction(impact.weighted_minutes) - minutes) <= minutes / 10**48


@PROPERTY
@given(scenarios(unit=60))
def test_on_whole_minutes_the_split_is_exact(scenario):
    item, window = scenario
    impact = outage_impact(item, **window)
    with localcontext(prec=50):
        assert impact.cost + impact.avoided_cost == impact.weighted_minutes * item.cost_per_minute
        assert impact.user_minutes_lost == item.users_affected * impact.weighted_minutes


@PROPERTY
@given(scenarios())
def test_seconds_and_money_are_bounded(scenario):
    item, window = scenario
    impact = outage_impact(item, **window)
    assert 0 <= impact.mitigated_seconds <= impact.counted_seconds
    assert impact.unmitigated_seconds == impact.counted_seconds - impact.mitigated_seconds
    assert impact.counted_seconds <= (window["window_end"] - window["window_start"]).total_seconds()
    assert impact.cost >= 0
    assert impact.avoided_cost >= 0
    if item.excluded:
        assert impact.counted_seconds == 0


@PROPERTY
@given(scenarios(), st.data())
def test_cost_never_rises_with_effectiveness(scenario, data):
    item, window = scenario
    assume(item.activations)
    index = data.draw(st.integers(0, len(item.activations) - 1))
    act = item.activations[index]
    activations = list(item.activations)
    pct = data.draw(st.decimals(act.effectiveness_pct, 100, places=2))
    activations[index] = replace(act, effectiveness_pct=pct)
    improved = replace(item, activations=tuple(activations))
    before, after = outage_impact(item, **window), outage_impact(improved, **window)
    assert after.cost <= before.cost
    assert after.avoided_cost >= before.avoided_cost
    assert after.mitigated_seconds == before.mitigated_seconds


@PROPERTY
@given(scenarios())
def test_agrees_with_the_sla_math(scenario):
    """Counted and mitigated seconds are the SLA's for a 24x7 policy counting every outage."""
    item, window = scenario
    assume(not item.excluded)
    impact = outage_impact(item, **window)
    sla = compute_sla(
        period=Period(window["window_start"], window["window_end"], "UTC", "window"),
        policy=Policy(D("99.9"), degraded_weight=item.degraded_weight, min_outage_seconds=0),
        outages=[OutageSpan(1, item.started_at, item.ended_at, item.severity)],
        maintenance=[],
        no_data=[],
        fallbacks=[replace(a, outage_id=1) for a in item.activations],
        now=window["now"],
    )
    assert impact.counted_seconds == sla.down_seconds + sla.degraded_seconds
    assert impact.mitigated_seconds == sla.mitigated_seconds
    assert impact.weighted_minutes * 60 == sla.counted_downtime_seconds
