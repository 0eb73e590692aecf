"""No data before the first result (SPEC §3) and the SLA effective date: the pure rules."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.intervals import Interval, total_seconds
from reports.periods import Period, parse_month, parse_range
from reports.sla import (
    NoDataMode,
    OutageSpan,
    Policy,
    burn_rates,
    compute_sla,
    effective_start,
    leading_no_data,
)

OCTOBER = parse_month("2026-10", "UTC")  # 31 days
OCTOBER_NY = parse_month("2026-10", "America/New_York")
OCTOBER_SECONDS = 31 * 86400
D = Decimal


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pct(part: int, whole: int) -> Decimal:
    with localcontext(prec=50):
        return D(100) * D(part) / D(whole)


def figures(period=OCTOBER, mode=NoDataMode.EXCLUDED, no_data=(), outages=(), **kw):
    return compute_sla(
        period=period,
        policy=Policy(target_pct=D("99.9"), no_data=mode),
        outages=list(outages),
        maintenance=[],
        no_data=list(no_data),
        **kw,
    )


def october_gap(*firsts: datetime | None) -> list[Interval]:
    return leading_no_data(start=OCTOBER.start, end=OCTOBER.end, first_results=list(firsts))


# --- leading no data


def test_one_hour_of_results_on_7_october_is_under_one_percent_coverage():
    """Results 06:00-07:00 UTC every 60 s: monitored until the last result + 3 intervals."""
    last_result = utc(2026, 10, 7, 6, 59)
    stale_from = last_result + timedelta(minutes=3)
    derived = [Interval(stale_from, OCTOBER.end)]
    f = figures(no_data=[*october_gap(utc(2026, 10, 7, 6)), *derived])
    monitored = (stale_from - utc(2026, 10, 7, 6)) // timedelta(seconds=1)
    assert monitored == 62 * 60
    assert f.no_data_seconds == OCTOBER_SECONDS - monitored
    assert f.coverage_pct == pct(monitored, OCTOBER_SECONDS)
    assert f.coverage_pct < 1
    assert f.availability_pct == 100


def test_mid_month_onboarding_is_no_data_until_the_first_result():
    f = figures(no_data=october_gap(utc(2026, 10, 16)))
    assert f.no_data_seconds == 15 * 86400
    assert f.measured_seconds == 16 * 86400
    assert f.coverage_pct == pct(16, 31)
    assert f.availability_pct == 100


def test_the_earliest_probe_ends_the_gap_and_a_silent_probe_does_not_extend_it():
    assert october_gap(utc(2026, 10, 9), None, utc(2026, 10, 3)) == [
        Interval(OCTOBER.start, utc(2026, 10, 3))
    ]


@pytest.mark.parametrize(
    ("firsts", "gap"),
    [
        ((), []),  # no probes: a manual-only workflow keeps every second measured
        ((None,), [Interval(OCTOBER.start, OCTOBER.end)]),  # never reported
        ((None, None), [Interval(OCTOBER.start, OCTOBER.end)]),
        ((utc(2026, 9, 20),), []),  # reporting since before the period
        ((OCTOBER.start,), []),
        ((utc(2026, 12, 1),), [Interval(OCTOBER.start, OCTOBER.end)]),  # first result later
        ((utc(2026, 10, 2, 0, 0, 0, 750_000),), [Interval(OCTOBER.start, utc(2026, 10, 2))]),
    ],
)
def test_leading_no_data(firsts, gap):
    assert october_gap(*firsts) == gap


@pytest.mark.parametrize(
    ("mode", "measured_days", "availability"),
    [
        (NoDataMode.EXCLUDED, 16, D(100)),
        (NoDataMode.UP, 31, D(100)),
        (NoDataMode.DOWN, 31, pct(16, 31)),
    ],
)
def test_no_data_modes_over_the_leading_gap(mode, measured_days, availability):
    f = figures(mode=mode, no_data=october_gap(utc(2026, 10, 16)))
    assert f.no_data_seconds == 15 * 86400
    assert f.measured_seconds == measured_days * 86400
    assert f.availability_pct == availability
    assert f.coverage_pct == pct(16, 31)


def test_burn_rates_count_the_leading_gap_as_the_policy_says():
    now = utc(2026, 10, 16, 1)  # an hour after monitoring began
    gap = october_gap(utc(2026, 10, 16))
    policy = Policy(target_pct=D("99.9"), no_data=NoDataMode.DOWN)
    rates = burn_rates(policy=policy, outages=[], maintenance=[], no_data=gap, now=now, tz="UTC")
    assert rates["1h"] == 0
    with localcontext(prec=50):  # 5 of 6 hours no data, counted down, over a 0.1 % budget
        assert rates["6h"] == D(5 * 3600) * 100 / (D(6 * 3600) * D("0.1"))


# --- the SLA effective date


def test_effective_from_20_october_new_york_measures_exactly_the_rest_of_october():
    effective = datetime.fromisoformat("2026-10-20T00:00:00-04:00")
    f = figures(period=OCTOBER_NY, effective_from=effective)
    assert f.period_seconds == 44640 * 60
    assert f.scheduled_seconds == f.measured_seconds == 12 * 1440 * 60  # to 1 Nov 00:00 EDT
    assert f.no_data_seconds == 0
    assert f.effective_start == effective
    assert f.effective_from == effective
    assert f.before_effective_from is False
    assert f.error_budget_seconds == D(12 * 1440 * 60) * D("0.001")


def test_time_before_the_effective_date_is_neither_measured_nor_no_data():
    effective = utc(2026, 10, 20)
    f = figures(
        effective_from=effective,
        no_data=october_gap(utc(2026, 10, 16)),
        outages=[OutageSpan(1, utc(2026, 10, 5), utc(2026, 10, 5, 1), "down")],
    )
    assert f.no_data_seconds == 0
    assert f.down_seconds == 0 and f.outage_count == 0
    assert f.measured_seconds == 12 * 86400
    assert f.coverage_pct == 100


def test_an_outage_across_the_effective_date_counts_its_part_after_it():
    f = figures(
        effective_from=utc(2026, 10, 20),
        outages=[OutageSpan(1, utc(2026, 10, 19, 23, 30), utc(2026, 10, 20, 0, 45), "down")],
    )
    assert f.down_seconds == 45 * 60
    assert f.longest_outage_seconds == 45 * 60


@pytest.mark.parametrize("effective", [utc(2026, 11, 1), utc(2027, 3, 5, 12)])
def test_a_period_entirely_before_the_effective_date_has_no_availability(effective):
    f = figures(effective_from=effective, outages=[OutageSpan(1, utc(2026, 10, 5), None, "down")])
    assert f.before_effective_from is True
    assert f.effective_from == effective
    assert f.effective_start == OCTOBER.end
    assert f.scheduled_seconds == f.measured_seconds == f.down_seconds == 0
    assert f.availability_pct is None and f.met is None and f.coverage_pct is None
    assert f.credit_pct == 0


@pytest.mark.parametrize("effective", [None, utc(2026, 10, 1), utc(2026, 9, 1, 8)])
def test_an_effective_date_at_or_before_the_period_start_cuts_nothing(effective):
    f = figures(effective_from=effective)
    assert f.effective_start == OCTOBER.start
    assert f.effective_from is None and f.before_effective_from is False
    assert f.measured_seconds == OCTOBER_SECONDS


def test_effective_start_stays_within_the_period():
    assert effective_start(OCTOBER, utc(2026, 10, 3, 4, 5, 6, 999)) == utc(2026, 10, 3, 4, 5, 6)
    assert effective_start(OCTOBER, utc(2030, 1, 1)) == OCTOBER.end
    with pytest.raises(ValueError, match="timezone-aware"):
        effective_start(OCTOBER, datetime(2026, 10, 3))


def test_burn_rates_do_not_reach_before_the_effective_date():
    now = utc(2026, 10, 20, 1)
    outage = OutageSpan(1, utc(2026, 10, 19, 22), utc(2026, 10, 19, 23), "down")
    policy = Policy(target_pct=D("99.9"))
    common = {"policy": policy, "outages": [outage], "maintenance": [], "no_data": [], "now": now}
    assert burn_rates(**common, tz="UTC")["6h"] > 0
    cut = burn_rates(**common, tz="UTC", effective_from=utc(2026, 10, 20))
    assert cut["6h"] == 0 and cut["1h"] == 0


# --- properties

DAY_ONE = utc(2026, 9, 1)
WINDOW = parse_range("2026-09-01", "2026-09-04", "UTC")
offsets = st.integers(min_value=-2 * 86400, max_value=5 * 86400)


def instants(base=DAY_ONE) -> st.SearchStrategy[datetime]:
    return offsets.map(lambda seconds: base + timedelta(seconds=seconds))


@st.composite
def spans(draw) -> Interval:
    start = draw(instants())
    return Interval(start, start + timedelta(seconds=draw(st.integers(0, 86400))))


@st.composite
def outage_spans(draw) -> OutageSpan:
    span = draw(spans())
    severity = draw(st.sampled_from(["down", "degraded"]))
    return OutageSpan(None, span.start, span.end, severity, draw(st.booleans()))


scenarios = st.fixed_dictionaries(
    {
        "policy": st.builds(
            Policy,
            target_pct=st.sampled_from([D("99.9"), D("99.5"), D(100)]),
            no_data=st.sampled_from(list(NoDataMode)),
            min_outage_seconds=st.sampled_from([0, 60]),
        ),
        "outages": st.lists(outage_spans(), max_size=5),
        "maintenance": st.lists(spans(), max_size=3),
        "no_data": st.lists(spans(), max_size=3),
        "now": st.one_of(st.none(), instants()),
    }
)
PROPERTY = settings(max_examples=200, deadline=None)
SAME = (
    "scheduled_seconds",
    "maintenance_seconds",
    "no_data_seconds",
    "measured_seconds",
    "down_seconds",
    "degraded_seconds",
    "counted_downtime_seconds",
    "availability_pct",
    "met",
    "credit_pct",
    "coverage_pct",
    "error_budget_seconds",
    "outage_count",
)


@PROPERTY
@given(scenarios, instants())
def test_the_effective_date_is_the_same_as_a_period_that_starts_there(scenario, effective):
    """Cutting the period at the effective date equals computing over the cut period."""
    cut = compute_sla(period=WINDOW, effective_from=effective, **scenario)
    start = effective_start(WINDOW, effective)
    if start >= WINDOW.end:
        assert cut.measured_seconds == 0 and cut.availability_pct is None
        return
    alone = compute_sla(period=Period(start, WINDOW.end, "UTC", "cut"), **scenario)
    assert {name: getattr(cut, name) for name in SAME} == {
        name: getattr(alone, name) for name in SAME
    }


@PROPERTY
@given(scenarios, st.lists(st.one_of(st.none(), instants()), max_size=4))
def test_the_leading_gap_ends_at_the_first_result_and_never_raises_coverage(scenario, firsts):
    gap = leading_no_data(start=WINDOW.start, end=WINDOW.end, first_results=firsts)
    reported = [f for f in firsts if f is not None]
    if not firsts:
        assert gap == []
    else:
        until = min([*reported, WINDOW.end])
        assert total_seconds(gap) == max(0, (until - WINDOW.start) // timedelta(seconds=1))
    before = compute_sla(period=WINDOW, **scenario)
    after = compute_sla(period=WINDOW, **(scenario | {"no_data": [*scenario["no_data"], *gap]}))
    if before.coverage_pct is not None:
        assert after.coverage_pct <= before.coverage_pct
    assert after.scheduled_seconds == before.scheduled_seconds
