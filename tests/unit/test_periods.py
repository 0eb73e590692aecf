"""Reporting periods: calendar months in the customer's timezone, ranges, days, parsing errors."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.periods import (
    Period,
    PeriodError,
    days_of,
    month_containing,
    month_period,
    parse_month,
    parse_range,
    previous_month,
)

NEW_YORK = "America/New_York"
DST_ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Santiago", "UTC"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "month", "tz", "minutes"),
    [
        (2026, 10, NEW_YORK, 44_640),  # all of October on EDT; clocks go back on 1 November
        (2026, 11, NEW_YORK, 43_260),  # 30 days + the repeated hour
        (2026, 3, NEW_YORK, 44_580),  # 31 days - the skipped hour
        (2026, 9, "UTC", 43_200),
        (2028, 2, "UTC", 41_760),  # leap February
        (2026, 10, "Europe/Berlin", 44_700),  # clocks go back on 25 October
    ],
)
def test_month_length_is_subtracted_in_utc(year, month, tz, minutes):
    period = month_period(year, month, tz)
    assert period.minutes == Decimal(minutes)
    assert period.seconds == minutes * 60


def test_month_period_bounds_are_local_midnights_in_utc():
    period = month_period(2026, 11, NEW_YORK)
    assert period.start == utc(2026, 11, 1, 4)  # 00:00 EDT
    assert period.end == utc(2026, 12, 1, 5)  # 00:00 EST
    assert period.label == "2026-11"
    assert period.timezone == NEW_YORK


def test_december_runs_into_january():
    period = month_period(2026, 12, "UTC")
    assert (period.start, period.end) == (utc(2026, 12, 1), utc(2027, 1, 1))


def test_minutes_of_a_partial_minute_period_is_exact_where_possible():
    period = Period(utc(2026, 1, 1), utc(2026, 1, 1, 0, 1, 30), "UTC", "x")
    assert period.minutes == Decimal("1.5")


def test_parse_month_gives_the_calendar_month():
    assert parse_month("2026-10", NEW_YORK) == month_period(2026, 10, NEW_YORK)
    assert parse_month(" 2026-10 ", NEW_YORK).label == "2026-10"


@pytest.mark.parametrize(
    "value", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "", "abcd-ef", "2026-10-01"]
)
def test_parse_month_rejects_bad_strings_with_the_expected_form(value):
    with pytest.raises(PeriodError) as raised:
        parse_month(value, "UTC")
    assert str(raised.value) == f"period must be YYYY-MM, got {value!r}"


def test_parse_month_message_quotes_the_bad_value():
    with pytest.raises(PeriodError, match=r"^period must be YYYY-MM, got '2026-13'$"):
        parse_month("2026-13", "UTC")


@pytest.mark.parametrize("value", ["1999-12", "2101-01"])
def test_parse_month_rejects_years_outside_2000_to_2100(value):
    with pytest.raises(PeriodError, match="between 2000 and 2100"):
        parse_month(value, "UTC")


@pytest.mark.parametrize("value", ["2000-01", "2100-12"])
def test_parse_month_accepts_the_year_limits(value):
    assert parse_month(value, "UTC").label == value


def test_parse_month_rejects_a_non_string():
    with pytest.raises(PeriodError):
        parse_month(202610, "UTC")  # type: ignore[arg-type]


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "/etc/localtime", "utc"])
def test_unknown_timezone_is_a_period_error(tz):
    with pytest.raises(PeriodError, match=r"unknown timezone .*IANA name"):
        parse_month("2026-10", tz)


@pytest.mark.parametrize(
    "call",
    [
        lambda: month_period(2026, 10, "Nowhere/City"),
        lambda: parse_range("2026-10-01", "2026-10-02", "Nowhere/City"),
        lambda: month_containing(utc(2026, 10, 1), "Nowhere/City"),
        lambda: previous_month(utc(2026, 10, 1), "Nowhere/City"),
    ],
)
def test_every_entry_point_rejects_an_unknown_timezone(call):
    with pytest.raises(PeriodError, match="unknown timezone 'Nowhere/City'"):
        call()


def test_unknown_timezone_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("month", [0, 13])
def test_month_period_rejects_month_out_of_range(month):
    with pytest.raises(PeriodError, match="month must be between 1 and 12"):
        month_period(2026, month, "UTC")


def test_parse_range_of_dates_uses_local_midnights():
    period = parse_range("2026-10-01", "2026-10-08", "Europe/Berlin")
    assert period.start == utc(2026, 9, 30, 22)
    assert period.end == utc(2026, 10, 7, 22)
    assert period.seconds == 7 * 86_400
    assert period.label == "2026-09-30T22:00:00Z/2026-10-07T22:00:00Z"


def test_parse_range_of_dates_across_a_dst_change_has_the_real_length():
    period = parse_range("2026-10-31", "2026-11-02", NEW_YORK)
    assert period.seconds == 49 * 3600


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-10-01T00:00:00Z", "2026-10-01T06:00:00Z", (utc(2026, 10, 1), utc(2026, 10, 1, 6))),
        (
            "2026-10-01T00:00:00+02:00",
            "2026-10-01T12:30:00-04:00",
            (utc(2026, 9, 30, 22), utc(2026, 10, 1, 16, 30)),
        ),
        ("2026-10-01", "2026-10-01T12:00:00+00:00", (utc(2026, 10, 1), utc(2026, 10, 1, 12))),
    ],
)
def test_parse_range_accepts_datetimes_with_offsets(start, end, expected):
    period = parse_range(start, end, "UTC")
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-10-08", "2026-10-01", r"range end '2026-10-01' must be after start '2026-10-08'"),
        ("2026-10-01", "2026-10-01", r"must be after start"),
        ("2026-10-01T00:00:00", "2026-10-02", r"range start .* has no UTC offset"),
        ("2026-10-01", "2026-10-02T00:00:00", r"range end .* has no UTC offset"),
        ("yesterday", "2026-10-02", r"range start must be an ISO date .* got 'yesterday'"),
        ("2026-02-30", "2026-03-02", r"range start '2026-02-30' is not a valid date"),
        ("2026-10-01", "", r"range end must be an ISO date"),
    ],
)
def test_parse_range_errors_are_clear(start, end, message):
    with pytest.raises(PeriodError, match=message):
        parse_range(start, end, "UTC")


@pytest.mark.parametrize(
    ("instant", "label"),
    [
        (utc(2026, 11, 1, 3, 59), "2026-10"),  # 23:59 EDT on 31 October
        (utc(2026, 11, 1, 4), "2026-11"),  # 00:00 EDT on 1 November
        (utc(2027, 1, 1, 4, 59), "2026-12"),
    ],
)
def test_month_containing_uses_the_local_calendar(instant, label):
    period = month_containing(instant, NEW_YORK)
    assert period.label == label
    assert period.start <= instant < period.end


@pytest.mark.parametrize(
    ("instant", "label"),
    [
        (utc(2026, 11, 1, 4), "2026-10"),  # October has just ended locally
        (utc(2026, 11, 1, 3, 59), "2026-09"),  # still October in New York
        (utc(2026, 1, 15), "2025-12"),
    ],
)
def test_previous_month_is_the_last_fully_ended_local_month(instant, label):
    period = previous_month(instant, NEW_YORK)
    assert period.label == label
    assert period.end <= instant


def test_naive_instants_are_rejected():
    with pytest.raises(PeriodError, match="timezone-aware"):
        month_containing(datetime(2026, 10, 1), "UTC")


def test_period_rejects_naive_or_empty_spans():
    with pytest.raises(PeriodError, match="timezone-aware"):
        Period(datetime(2026, 10, 1), utc(2026, 10, 2), "UTC", "x")
    with pytest.raises(PeriodError, match="must be after its start"):
        Period(utc(2026, 10, 2), utc(2026, 10, 1), "UTC", "x")


def test_period_normalises_bounds_to_utc():
    berlin = month_period(2026, 10, "Europe/Berlin")
    assert berlin.start.tzinfo is UTC


def test_days_of_a_dst_month_have_23_and_25_hours():
    november = days_of(month_period(2026, 11, NEW_YORK))
    march = days_of(month_period(2026, 3, NEW_YORK))
    assert len(november) == 30
    assert november[0].seconds == 25 * 3600
    assert november[0].label == "2026-11-01"
    assert march[7].label == "2026-03-08"
    assert march[7].seconds == 23 * 3600
    assert sum(day.seconds for day in november) == month_period(2026, 11, NEW_YORK).seconds


def test_days_of_a_range_clips_the_partial_days():
    period = parse_range("2026-10-01T12:00:00Z", "2026-10-03T06:00:00Z", "UTC")
    days = days_of(period)
    assert [d.label for d in days] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert [d.seconds for d in days] == [12 * 3600, 86_400, 6 * 3600]


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(2000, 2100),
    month=st.integers(1, 12),
    tz=st.sampled_from(DST_ZONES),
)
def test_months_tile_the_timeline_and_days_tile_the_month(year, month, tz):
    period = month_period(year, month, tz)
    following = previous_month(period.end, tz)
    assert following == period
    assert month_containing(period.start, tz) == period
    assert month_containing(period.end - timedelta(microseconds=1), tz) == period
    days = days_of(period)
    assert days[0].start == period.start and days[-1].end == period.end
    assert all(a.end == b.start for a, b in zip(days, days[1:], strict=False))
    assert sum(d.seconds for d in days) == period.seconds
    assert 28 * 86_400 - 3600 <= period.seconds <= 31 * 86_400 + 3600
