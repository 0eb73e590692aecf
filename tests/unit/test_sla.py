"""SLA math (SPEC §4): worked examples with exact figures, then properties."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reports.fallbacks import FallbackSpan
from reports.intervals import (
    Interval,
    ServiceWindow,
    clip,
    intersect,
    merge,
    service_intervals,
    subtract,
    total_seconds,
)
from reports.periods import Period, month_period, parse_month, parse_range
from reports.sla import (
    CreditTier,
    NoDataMode,
    OutageSpan,
    Policy,
    burn_rates,
    compute_sla,
    select_credit,
)

SEPTEMBER = parse_month("2026-09", "UTC")  # 30 days = 2,592,000 s
OCTOBER = parse_month("2026-10", "UTC")
NEW_YORK = "America/New_York"
MONTH = 2_592_000
D = Decimal


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iv(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def outage(start, end, severity="down", *, excluded=False, outage_id=None) -> OutageSpan:
    return OutageSpan(outage_id, start, end, severity, excluded)


def exact_pct(good, measured) -> Decimal:
    """100 x good / measured, one division at the module's 50 digits."""
    with localcontext(prec=50):
        return D(100) * D(good) / D(measured)


def sla(period=SEPTEMBER, policy=None, outages=(), maintenance=(), no_data=(), **kw):
    policy = policy or Policy(target_pct=D("99.9"))
    return compute_sla(
        period=period,
        policy=policy,
        outages=list(outages),
        maintenance=list(maintenance),
        no_data=list(no_data),
        **kw,
    )


# --- worked examples


def test_fifty_minutes_down_in_a_thirty_day_month():
    figures = sla(outages=[outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 10, 50))])
    assert figures.period_seconds == figures.scheduled_seconds == figures.measured_seconds == MONTH
    assert figures.down_seconds == 3000
    assert figures.counted_downtime_seconds == 3000
    assert figures.availability_pct == exact_pct(MONTH - 3000, MONTH)
    true_value = 100 * (1 - Fraction(3000, MONTH))
    assert abs(Fraction(figures.availability_pct) - true_value) < Fraction(1, 10**45)
    assert figures.availability_display == "99.884"
    assert figures.met is False
    assert figures.error_budget_seconds == D(2592)
    assert figures.error_budget_remaining_seconds == D(-408)
    assert (figures.outage_count, figures.mttr_seconds, figures.longest_outage_seconds) == (
        1,
        D(3000),
        3000,
    )
    assert figures.coverage_pct == 100
    assert figures.credit_pct == 0


def test_no_outages_is_exactly_one_hundred():
    figures = sla()
    assert figures.availability_pct == 100
    assert figures.availability_display == "100.000"
    assert figures.met is True
    assert figures.error_budget_remaining_seconds == figures.error_budget_seconds == D(2592)
    assert (figures.outage_count, figures.mttr_seconds, figures.longest_outage_seconds) == (
        0,
        None,
        None,
    )


@pytest.mark.parametrize(("period", "down"), [(SEPTEMBER, 1800), (OCTOBER, 2700)])
def test_outage_crossing_the_month_boundary_is_split(period, down):
    crossing = outage(utc(2026, 9, 30, 23, 30), utc(2026, 10, 1, 0, 45))
    figures = sla(period=period, outages=[crossing])
    assert figures.down_seconds == down
    assert figures.outage_count == 1
    assert figures.mttr_seconds == down
    assert figures.longest_outage_seconds == down


def test_maintenance_overlap_is_not_counted_and_leaves_the_denominator():
    figures = sla(
        outages=[outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11))],
        maintenance=[iv(utc(2026, 9, 3, 10, 30), utc(2026, 9, 3, 12))],
    )
    assert figures.maintenance_seconds == 5400
    assert figures.down_seconds == 1800
    assert figures.measured_seconds == MONTH - 5400
    assert figures.availability_pct == exact_pct(MONTH - 5400 - 1800, MONTH - 5400)
    assert figures.coverage_pct == 100


def test_overlapping_maintenance_windows_are_merged():
    figures = sla(
        maintenance=[
            iv(utc(2026, 9, 3, 10), utc(2026, 9, 3, 12)),
            iv(utc(2026, 9, 3, 11), utc(2026, 9, 3, 13)),
        ]
    )
    assert figures.maintenance_seconds == 3 * 3600


def test_overlapping_outages_are_merged_not_double_counted():
    figures = sla(
        outages=[
            outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11)),
            outage(utc(2026, 9, 3, 10, 30), utc(2026, 9, 3, 11, 30)),
        ]
    )
    assert figures.down_seconds == 5400
    assert figures.outage_count == 2
    assert figures.mttr_seconds == 3600


@pytest.mark.parametrize(
    ("weight", "counted"), [(D("0.5"), 1800), (D("0.25"), 900), (D(1), 3600), (D(0), 0)]
)
def test_degraded_time_counts_at_its_weight(weight, counted):
    policy = Policy(target_pct=D("99.9"), degraded_weight=weight)
    figures = sla(policy=policy, outages=[outage(utc(2026, 9, 3), utc(2026, 9, 3, 1), "degraded")])
    assert figures.degraded_seconds == 3600
    assert figures.counted_downtime_seconds == counted
    assert figures.availability_pct == exact_pct(MONTH - counted, MONTH)


def test_down_wins_over_overlapping_degraded():
    figures = sla(
        outages=[
            outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11)),
            outage(utc(2026, 9, 3, 10, 30), utc(2026, 9, 3, 12), "degraded"),
        ]
    )
    assert (figures.down_seconds, figures.degraded_seconds) == (3600, 3600)
    assert figures.counted_downtime_seconds == 5400


# One day without data (Sep 10), overlapped for an hour by a 2 h outage: known state wins,
# so 82,800 s are no-data and 7,200 s down.
NO_DATA_DAY = [iv(utc(2026, 9, 10), utc(2026, 9, 11))]
ACROSS_GAP = [outage(utc(2026, 9, 10, 23), utc(2026, 9, 11, 1))]


@pytest.mark.parametrize(
    ("mode", "measured", "counted"),
    [
        (NoDataMode.EXCLUDED, MONTH - 82_800, 7200),
        (NoDataMode.UP, MONTH, 7200),
        (NoDataMode.DOWN, MONTH, 7200 + 82_800),
    ],
)
def test_no_data_modes(mode, measured, counted):
    policy = Policy(target_pct=D("99.9"), no_data=mode)
    figures = sla(policy=policy, outages=ACROSS_GAP, no_data=NO_DATA_DAY)
    assert figures.no_data_seconds == 82_800
    assert figures.down_seconds == 7200
    assert figures.measured_seconds == measured
    assert figures.counted_downtime_seconds == counted
    assert figures.availability_pct == exact_pct(measured - counted, measured)
    assert figures.coverage_pct == exact_pct(MONTH - 82_800, MONTH)


def test_no_data_mode_accepts_its_string_value():
    assert Policy(target_pct=D(99), no_data="down").no_data is NoDataMode.DOWN


def test_no_data_under_maintenance_is_maintenance():
    figures = sla(no_data=NO_DATA_DAY, maintenance=[iv(utc(2026, 9, 10), utc(2026, 9, 10, 6))])
    assert figures.no_data_seconds == 18 * 3600
    assert figures.coverage_pct == exact_pct(MONTH - 86_400, MONTH - 6 * 3600)


TIERS = (
    CreditTier(below_pct=D("99.5"), credit_pct=D(5)),
    CreditTier(below_pct=D("99.0"), credit_pct=D(10)),
    CreditTier(below_pct=D("95.0"), credit_pct=D(25)),
)


def test_exactly_99_is_not_below_99():
    down = MONTH // 100  # 25,920 s: availability exactly 99.0
    policy = Policy(target_pct=D("99.0"), credit_tiers=TIERS)
    start = utc(2026, 9, 3)
    figures = sla(policy=policy, outages=[outage(start, start + timedelta(seconds=down))])
    assert figures.availability_pct == D(99)
    assert figures.availability_display == "99.000"
    assert figures.met is True
    assert figures.credit_pct == D(5)
    assert figures.error_budget_remaining_seconds == 0


@pytest.mark.parametrize(
    ("availability", "credit"),
    [
        (D("100"), D(0)),
        (D("99.5"), D(0)),
        (D("99.4999"), D(5)),
        (D("99.0"), D(5)),
        (D("98.999"), D(10)),
        (D("95"), D(10)),
        (D("94.9"), D(25)),
        (None, D(0)),
    ],
)
def test_select_credit_takes_the_largest_tier_strictly_above(availability, credit):
    assert select_credit(availability, TIERS) == credit


def test_select_credit_without_tiers_is_zero():
    assert select_credit(D(50), ()) == 0


@pytest.mark.parametrize(
    ("month", "minutes"), [("2026-10", 44_640), ("2026-11", 43_260), ("2026-03", 44_580)]
)
def test_dst_months_in_new_york(month, minutes):
    period = parse_month(month, NEW_YORK)
    start = period.start + timedelta(days=3)
    figures = sla(period=period, outages=[outage(start, start + timedelta(minutes=30))])
    assert figures.period_seconds == figures.measured_seconds == minutes * 60
    assert figures.availability_pct == exact_pct(minutes * 60 - 1800, minutes * 60)


@pytest.mark.parametrize(("seconds", "counted"), [(59, 0), (60, 60), (61, 61)])
def test_outages_shorter_than_min_outage_seconds_are_dropped(seconds, counted):
    start = utc(2026, 9, 3)
    figures = sla(outages=[outage(start, start + timedelta(seconds=seconds))])
    assert figures.down_seconds == counted
    assert figures.outage_count == (1 if counted else 0)


def test_min_outage_uses_the_full_duration_not_the_part_in_the_period():
    # 50 s fall in September, but the episode lasted 10 minutes: it counts.
    crossing = outage(utc(2026, 9, 30, 23, 59, 10), utc(2026, 10, 1, 0, 9, 10))
    assert sla(outages=[crossing]).down_seconds == 50


def test_excluded_outages_do_not_count():
    figures = sla(outages=[outage(utc(2026, 9, 3), utc(2026, 9, 3, 5), excluded=True)])
    assert figures.down_seconds == 0
    assert figures.outage_count == 0


HOUR_ON_THE_3RD = [outage(utc(2026, 9, 3), utc(2026, 9, 3, 1))]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"maintenance": [iv(utc(2026, 8, 1), utc(2026, 11, 1))], "outages": HOUR_ON_THE_3RD},
        {"no_data": [iv(utc(2026, 9, 1), utc(2026, 10, 1))]},
        {"now": utc(2026, 8, 15), "outages": HOUR_ON_THE_3RD},
    ],
)
def test_zero_measured_time_has_no_availability(kwargs):
    figures = sla(**kwargs)
    assert figures.measured_seconds == 0
    assert figures.availability_pct is None
    assert figures.availability_display is None
    assert figures.met is None
    assert figures.credit_pct == 0
    assert figures.effective_availability_pct is None
    assert figures.error_budget_seconds == 0


def test_zero_measured_with_no_data_excluded_has_zero_coverage():
    figures = sla(no_data=[iv(utc(2026, 9, 1), utc(2026, 10, 1))])
    assert figures.coverage_pct == 0


def test_coverage_is_none_when_everything_is_maintenance():
    figures = sla(maintenance=[iv(utc(2026, 9, 1), utc(2026, 10, 1))])
    assert figures.coverage_pct is None


WEEKDAYS_9_TO_5 = tuple(ServiceWindow(day, time(9), time(17)) for day in range(5))


def test_service_hours_schedule_in_utc():
    policy = Policy(target_pct=D("99.9"), service_hours=WEEKDAYS_9_TO_5)
    evening = outage(utc(2026, 9, 1, 20), utc(2026, 9, 1, 21))  # a Tuesday, after hours
    figures = sla(policy=policy, outages=[evening])
    assert figures.period_seconds == MONTH
    assert figures.scheduled_seconds == figures.measured_seconds == 633_600  # 22 days x 8 h
    assert figures.down_seconds == 0
    assert figures.outage_count == 0
    assert figures.availability_pct == 100


def test_outage_straddling_closing_time_counts_its_scheduled_part():
    policy = Policy(target_pct=D("99.9"), service_hours=WEEKDAYS_9_TO_5)
    figures = sla(policy=policy, outages=[outage(utc(2026, 9, 1, 16, 30), utc(2026, 9, 1, 17, 30))])
    assert figures.down_seconds == 1800
    assert figures.outage_count == 1
    assert figures.longest_outage_seconds == 3600  # duration within the period, not the schedule
    assert figures.availability_pct == exact_pct(633_600 - 1800, 633_600)


def test_service_hours_in_a_dst_zone():
    november = parse_month("2026-11", NEW_YORK)
    policy = Policy(target_pct=D("99.9"), service_hours=WEEKDAYS_9_TO_5)
    # Monday 2 November, 13:30-14:30 UTC; 09:00 EST is 14:00 UTC.
    figures = sla(
        period=november,
        policy=policy,
        outages=[outage(utc(2026, 11, 2, 13, 30), utc(2026, 11, 2, 14, 30))],
    )
    assert figures.scheduled_seconds == 21 * 8 * 3600
    assert figures.down_seconds == 1800


def test_service_window_spanning_the_clock_change_has_the_real_length():
    sunday_night = (ServiceWindow(6, time(0), time(6)),)
    intervals = service_intervals(parse_month("2026-11", NEW_YORK), sunday_night)
    # Sundays 1, 8, 15, 22, 29 November: 7 h on the 1st (clocks go back), 6 h otherwise.
    assert [total_seconds([i]) for i in intervals] == [7 * 3600] + [6 * 3600] * 4
    assert intervals[0] == iv(utc(2026, 11, 1, 4), utc(2026, 11, 1, 11))


def test_service_window_ending_at_midnight_is_the_rest_of_the_day():
    saturdays = (ServiceWindow(5, time(0), time(0)),)
    assert total_seconds(service_intervals(SEPTEMBER, saturdays)) == 4 * 86_400
    evenings = (ServiceWindow(5, time(18), time(0)),)
    assert total_seconds(service_intervals(SEPTEMBER, evenings)) == 4 * 6 * 3600


def test_service_intervals_without_schedule_is_the_period():
    assert service_intervals(SEPTEMBER, ()) == [iv(SEPTEMBER.start, SEPTEMBER.end)]


def test_service_intervals_tz_overrides_the_period_zone():
    one_day = parse_range("2026-09-01", "2026-09-02", "UTC")
    window = (ServiceWindow(1, time(9), time(17)),)
    assert service_intervals(one_day, window, "Asia/Tokyo") == [
        iv(utc(2026, 9, 1, 0), utc(2026, 9, 1, 8))
    ]


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, time(9), time(17)), (0, time(17), time(9)), (0, time(9), time(9))],
)
def test_service_window_validation(weekday, start, end):
    with pytest.raises(ValueError):
        ServiceWindow(weekday, start, end)


HOUR_OUTAGE = outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11), outage_id=7)


def test_half_effective_fallback_over_half_an_outage():
    fallback = FallbackSpan(utc(2026, 9, 3, 10, 30), utc(2026, 9, 3, 12), D(50), outage_id=7)
    figures = sla(outages=[HOUR_OUTAGE], fallbacks=[fallback])
    assert figures.counted_downtime_seconds == 3600
    assert figures.availability_pct == exact_pct(MONTH - 3600, MONTH)
    assert figures.mitigated_seconds == 1800
    assert figures.effective_availability_pct == exact_pct(MONTH - 2700, MONTH)
    assert figures.effective_availability_display == "99.895"


def test_overlapping_fallbacks_take_the_highest_effectiveness():
    fallbacks = [
        FallbackSpan(utc(2026, 9, 3, 10, 30), utc(2026, 9, 3, 11), D(50), outage_id=7),
        # open: runs to the period end
        FallbackSpan(utc(2026, 9, 3, 10, 45), None, D(100), outage_id=7),
    ]
    figures = sla(outages=[HOUR_OUTAGE], fallbacks=fallbacks)
    # 10:30-10:45 at 50 % (450 s back), 10:45-11:00 at 100 % (900 s back)
    assert figures.mitigated_seconds == 1800
    assert figures.effective_availability_pct == exact_pct(MONTH - 3600 + 1350, MONTH)


def test_fallback_over_degraded_time_relieves_its_weight():
    degraded = outage(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11), "degraded")
    fallback = FallbackSpan(utc(2026, 9, 3, 10), utc(2026, 9, 3, 11), D(100))
    figures = sla(outages=[degraded], fallbacks=[fallback])
    assert figures.counted_downtime_seconds == 1800
    assert figures.mitigated_seconds == 3600
    assert figures.effective_availability_pct == 100


def test_month_to_date_stops_at_now():
    now = utc(2026, 9, 16)
    figures = sla(
        outages=[
            outage(utc(2026, 9, 15, 23), None),  # open: runs to now
            outage(utc(2026, 9, 20), utc(2026, 9, 20, 1)),  # after now: not yet
        ],
        now=now,
    )
    elapsed = 15 * 86_400
    assert figures.period_seconds == MONTH
    assert figures.scheduled_seconds == figures.measured_seconds == elapsed
    assert figures.down_seconds == 3600
    assert figures.outage_count == 1
    assert figures.availability_pct == exact_pct(elapsed - 3600, elapsed)
    assert figures.error_budget_seconds == D(1296)


def test_open_outage_without_now_runs_to_period_end():
    figures = sla(outages=[outage(utc(2026, 9, 30, 23), None)])
    assert figures.down_seconds == 3600


def test_open_outage_started_after_now_counts_nothing():
    figures = sla(outages=[outage(utc(2026, 9, 20), None)], now=utc(2026, 9, 10))
    assert figures.down_seconds == 0
    assert figures.outage_count == 0


def test_subsecond_instants_are_floored_to_whole_seconds():
    start = utc(2026, 9, 3).replace(microsecond=900_000)
    figures = sla(outages=[outage(start, start + timedelta(seconds=90))])
    assert figures.down_seconds == 90
    assert isinstance(figures.down_seconds, int)


NOW = utc(2026, 9, 15, 12)


def test_burn_rates_over_known_windows():
    # An open outage of 1,296 s ending at now: 36 % of the last hour, 6 % of 6 h, 0.5 % of 3 d.
    ongoing = outage(NOW - timedelta(seconds=1296), None)
    rates = burn_rates(
        policy=Policy(target_pct=D("99.9")),
        outages=[ongoing],
        maintenance=[],
        no_data=[],
        now=NOW,
        tz="UTC",
    )
    assert rates == {"1h": D(360), "6h": D(60), "3d": D(5)}


def test_burn_rates_custom_windows_and_no_budget():
    rates = burn_rates(
        policy=Policy(target_pct=D(100)),
        outages=[],
        maintenance=[],
        no_data=[],
        now=NOW,
        tz="UTC",
        windows=[timedelta(minutes=90), timedelta(seconds=45)],
    )
    assert rates == {"90m": None, "45s": None}


def test_burn_rate_is_none_without_measured_time():
    rates = burn_rates(
        policy=Policy(target_pct=D("99.9")),
        outages=[],
        maintenance=[],
        no_data=[iv(NOW - timedelta(hours=2), NOW)],
        now=NOW,
        tz="UTC",
    )
    assert rates["1h"] is None
    assert rates["6h"] == 0


@pytest.mark.parametrize(
    "build",
    [
        lambda: Policy(target_pct=99.9),
        lambda: Policy(target_pct=D(101)),
        lambda: Policy(target_pct=D(99), degraded_weight=D("1.5")),
        lambda: Policy(target_pct=D(99), min_outage_seconds=-1),
        lambda: Policy(target_pct=D(99), no_data="sometimes"),
        lambda: OutageSpan(None, utc(2026, 9, 1), None, "broken"),
        lambda: FallbackSpan(utc(2026, 9, 1), None, D(120)),
        lambda: CreditTier(below_pct=D(99), credit_pct=0.1),
        lambda: Interval(datetime(2026, 9, 1), datetime(2026, 9, 2)),
        lambda: Interval(utc(2026, 9, 2), utc(2026, 9, 1)),
    ],
)
def test_invalid_inputs_are_rejected(build):
    with pytest.raises((ValueError, TypeError)):
        build()


# --- interval algebra


def h(hour: int, minute: int = 0) -> datetime:
    return utc(2026, 9, 1, hour, minute)


def test_merge_joins_overlapping_and_touching_and_drops_empty():
    merged = merge([iv(h(3), h(4)), iv(h(1), h(2)), iv(h(2), h(3)), iv(h(5), h(5)), iv(h(6), h(7))])
    assert merged == [iv(h(1), h(4)), iv(h(6), h(7))]


def test_subtract_cuts_holes():
    result = subtract([iv(h(0), h(10))], [iv(h(1), h(2)), iv(h(4), h(5)), iv(h(9), h(12))])
    assert result == [iv(h(0), h(1)), iv(h(2), h(4)), iv(h(5), h(9))]


def test_intersect_and_clip():
    a = [iv(h(0), h(2)), iv(h(3), h(6))]
    b = [iv(h(1), h(4)), iv(h(5), h(7))]
    assert intersect(a, b) == [iv(h(1), h(2)), iv(h(3), h(4)), iv(h(5), h(6))]
    assert clip(a, iv(h(1), h(4))) == [iv(h(1), h(2)), iv(h(3), h(4))]


def test_total_seconds_counts_overlaps_once():
    assert total_seconds([iv(h(0), h(2)), iv(h(1), h(3))]) == 3 * 3600


# --- properties

DAY_ONE = utc(2026, 9, 1)  # a Tuesday
TWO_DAYS = parse_range("2026-09-01", "2026-09-03", "UTC")
SCHEDULES = [(), WEEKDAYS_9_TO_5, (ServiceWindow(1, time(22), time(0)),)]

offsets = st.integers(min_value=-3 * 3600, max_value=51 * 3600)
lengths = st.integers(min_value=0, max_value=8 * 3600)


@st.composite
def intervals(draw) -> Interval:
    start = DAY_ONE + timedelta(seconds=draw(offsets))
    return Interval(start, start + timedelta(seconds=draw(lengths)))


ANY_SEVERITY = st.sampled_from(["down", "degraded"])


@st.composite
def outages(draw, severity=ANY_SEVERITY) -> OutageSpan:
    span = draw(intervals())
    ended = None if draw(st.integers(0, 9)) == 0 else span.end
    return OutageSpan(None, span.start, ended, draw(severity), draw(st.integers(0, 9)) == 0)


@st.composite
def fallbacks(draw) -> FallbackSpan:
    span = draw(intervals())
    pct = draw(st.sampled_from([D(0), D(25), D("50.5"), D(100)]))
    return FallbackSpan(span.start, span.end, pct)


policies = st.builds(
    Policy,
    target_pct=st.decimals(min_value=90, max_value=100, places=3),
    degraded_weight=st.sampled_from([D(0), D("0.25"), D("0.5"), D(1)]),
    min_outage_seconds=st.sampled_from([0, 60, 600]),
    no_data=st.sampled_from(list(NoDataMode)),
    credit_tiers=st.just(TIERS),
    service_hours=st.sampled_from(SCHEDULES),
)

scenarios = st.fixed_dictionaries(
    {
        "policy": policies,
        "outages": st.lists(outages(), max_size=6),
        "maintenance": st.lists(intervals(), max_size=3),
        "no_data": st.lists(intervals(), max_size=3),
        "fallbacks": st.lists(fallbacks(), max_size=3),
        "now": st.one_of(st.none(), st.builds(lambda o: DAY_ONE + timedelta(seconds=o), offsets)),
    }
)
PROPERTY = settings(max_examples=200, deadline=None)


def run(scenario, **changes):
    return compute_sla(period=TWO_DAYS, **(scenario | changes))


@PROPERTY
@given(scenarios)
def test_counted_downtime_never_exceeds_measured_time(scenario):
    figures = run(scenario)
    assert 0 <= figures.counted_downtime_seconds <= figures.measured_seconds
    parts = figures.maintenance_seconds + figures.no_data_seconds
    parts += figures.down_seconds + figures.degraded_seconds
    assert parts <= figures.scheduled_seconds <= figures.period_seconds
    if figures.availability_pct is not None:
        assert 0 <= figures.availability_pct <= figures.effective_availability_pct <= 100
    assert figures.mitigated_seconds <= figures.down_seconds + figures.degraded_seconds


@PROPERTY
@given(scenarios, outages(severity=st.just("down")))
def test_adding_a_down_outage_never_raises_availability(scenario, extra):
    before = run(scenario).availability_pct
    after = run(scenario, outages=[*scenario["outages"], extra]).availability_pct
    assume(before is not None and after is not None)
    assert after <= before


@PROPERTY
@given(scenarios, outages())
def test_adding_any_outage_never_raises_availability_when_no_data_is_up(scenario, extra):
    # With no_data "excluded" or "down", a degraded outage over unmonitored time replaces
    # excluded or fully-counted time by half-counted time and can legitimately raise it.
    scenario = scenario | {"policy": Policy(target_pct=D(99), no_data=NoDataMode.UP)}
    before = run(scenario).availability_pct
    after = run(scenario, outages=[*scenario["outages"], extra]).availability_pct
    assume(before is not None)
    assert after <= before


@PROPERTY
@given(scenarios, st.data())
def test_results_do_not_depend_on_input_order(scenario, data):
    shuffled = {
        key: data.draw(st.permutations(scenario[key]))
        for key in ("outages", "maintenance", "no_data", "fallbacks")
    }
    assert run(scenario, **shuffled) == run(scenario)


@PROPERTY
@given(scenarios, st.integers(0, 6), st.integers(1, 12 * 3600))
def test_availability_is_monotone_in_downtime(scenario, index, extra_seconds):
    down = [o for o in scenario["outages"] if o.severity == "down" and o.ended_at is not None]
    assume(down)
    target = down[index % len(down)]
    longer = OutageSpan(
        target.outage_id,
        target.started_at,
        target.ended_at + timedelta(seconds=extra_seconds),
        "down",
        target.excluded,
    )
    others = [o for o in scenario["outages"] if o is not target]
    before = run(scenario)
    after = run(scenario, outages=[*others, longer])
    assume(before.availability_pct is not None and after.availability_pct is not None)
    assert after.availability_pct <= before.availability_pct
    assert after.down_seconds >= before.down_seconds


@PROPERTY
@given(st.lists(intervals(), max_size=12), intervals())
def test_merge_is_idempotent_and_clipping_stays_in_the_window(items, window):
    merged = merge(items)
    assert merge(merged) == merged
    assert merge(reversed(items)) == merged
    assert all(a.end < b.start for a, b in zip(merged, merged[1:], strict=False))
    assert total_seconds(merged) <= sum(total_seconds([i]) for i in items)
    clipped = clip(items, window)
    assert total_seconds(clipped) <= total_seconds([window])
    assert all(window.start <= i.start and i.end <= window.end for i in clipped)


@PROPERTY
@given(st.lists(intervals(), max_size=8), st.lists(intervals(), max_size=8))
def test_subtract_and_intersect_partition_a_set(a, b):
    assert total_seconds(subtract(a, b)) + total_seconds(intersect(a, b)) == total_seconds(a)
    assert intersect(subtract(a, b), b) == []
    assert intersect(a, b) == intersect(b, a)


@PROPERTY
@given(
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.sampled_from(["UTC", NEW_YORK, "Europe/Berlin", "Australia/Lord_Howe"]),
    st.sampled_from(SCHEDULES[1:]),
)
def test_service_intervals_stay_inside_the_period(year, month, tz, schedule):
    period = month_period(year, month, tz)
    scheduled = service_intervals(period, schedule)
    assert merge(scheduled) == scheduled
    assert total_seconds(clip(scheduled, Interval(period.start, period.end))) == total_seconds(
        scheduled
    )
    assert 0 < total_seconds(scheduled) < period.seconds


def test_period_type_is_used_directly():
    period = Period(utc(2026, 9, 1), utc(2026, 9, 1, 1), "UTC", "one hour")
    figures = sla(period=period, outages=[outage(utc(2026, 9, 1, 0, 30), utc(2026, 9, 1, 2))])
    assert figures.availability_pct == 50
    assert figures.availability_display == "50.000"
