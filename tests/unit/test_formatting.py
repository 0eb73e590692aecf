"""continuity.formatting: every shown figure is truncated, never rounded up; local times carry
their zone; text columns line up with CJK names. Table-driven cases, then properties."""

import ast
import re
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuity import formatting
from continuity.formatting import (
    DASH,
    amounts,
    cells,
    column,
    duration,
    local_time,
    minutes,
    money,
    number,
    percent,
    truncate,
)

D = Decimal
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SHANGHAI = "Asia/Shanghai"

finite_decimals = st.decimals(
    min_value=D("-1e12"), max_value=D("1e12"), allow_nan=False, allow_infinity=False, places=8
)


# --- numbers and percentages


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("99.9496"), 3, "99.949"),
        (D("99.9999"), 3, "99.999"),
        (D("100"), 3, "100.000"),
        (D("99.9"), 3, "99.900"),
        (D("0"), 3, "0.000"),
        (D("99.99"), 1, "99.9"),
        (D("-0.0004"), 3, "0.000"),
        (D("-1.2349"), 3, "-1.234"),
        (D("14.39"), 1, "14.3"),
        (D("1E+2"), 0, "100"),
        (7, 2, "7.00"),
        (D("123456789012345678901234567890.129"), 2, "123456789012345678901234567890.12"),
        (None, 3, DASH),
    ],
)
def test_number_is_cut_toward_zero(value, places, shown):
    assert number(value, places) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("99.900"), "99.9"),
        (D("80.00"), "80"),
        (D("0"), "0"),
        (D("99.95"), "99.95"),
        (D("12.34567"), "12.345"),
        (D("100.000"), "100"),
    ],
)
def test_configured_percentages_drop_trailing_zeros(value, shown):
    assert percent(value, trim=True) == shown


def test_measured_percentages_keep_three_places():
    assert percent(D("99.9496")) == "99.949"
    assert percent(D("100")) == "100.000"


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ValueError):
        number(bad)


def test_negative_places_are_refused():
    with pytest.raises(ValueError):
        truncate(D(1), -1)


@given(finite_decimals, st.integers(min_value=0, max_value=6))
def test_truncation_never_exceeds_the_exact_value(value, places):
    shown = D(number(value, places))
    assert abs(shown) <= abs(value)
    assert abs(value) - abs(shown) < D(1).scaleb(-places)
    assert shown == 0 or (shown > 0) == (value > 0)


# --- minutes and durations


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0"),
        (60, "1"),
        (90, "1.5"),
        (15_286, "254.766"),  # 254.7666…: the API's half-even figure is 254.767
        (10, "0.166"),
        (D("0.5"), "0.008"),
        (D("-12603.6"), "-210.06"),
        (2_678_400, "44640"),
        (None, DASH),
    ],
)
def test_minutes(seconds, shown):
    assert minutes(seconds) == shown


@given(st.integers(min_value=0, max_value=10**9))
def test_minutes_never_exceed_the_exact_minutes(seconds):
    shown = D(minutes(seconds))
    exact = D(seconds) / 60
    assert shown <= exact
    assert exact - shown < D("0.001")


@pytest.mark.parametrize(
    ("seconds", "precise", "live"),
    [
        (0, "0 s", "0 s"),
        (59, "59 s", "59 s"),
        (D("59.99"), "59 s", "59 s"),
        (60, "1 min 00 s", "1 min"),
        (25 * 60 + 30, "25 min 30 s", "25 min"),
        (1793, "29 min 53 s", "29 min"),
        (3 * 3600 + 5 * 60, "3 h 05 min", "3 h 05 min"),
        (3 * 3600 + 44 * 60 + 59, "3 h 44 min", "3 h 44 min"),
        (2 * 86400 + 4 * 3600 + 59, "2 d 4 h", "2 d 4 h"),
        (-90, "-1 min 30 s", "-1 min"),
        (-0.4, "0 s", "0 s"),
        (None, DASH, DASH),
    ],
)
def test_duration(seconds, precise, live):
    assert duration(seconds) == precise
    assert duration(seconds, live=True) == live


_UNIT_SECONDS = {"d": 86400, "h": 3600, "min": 60, "s": 1}


def _parse_duration(text: str) -> tuple[int, int]:
    """(seconds shown, seconds of the finest unit shown)."""
    pairs = re.findall(r"(\d+) (d|h|min|s)\b", text)
    shown = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in pairs)
    return shown, _UNIT_SECONDS[pairs[-1][1]]


@given(st.integers(min_value=0, max_value=400 * 86400), st.booleans())
def test_durations_are_truncated_to_their_finest_unit(seconds, live):
    shown, finest = _parse_duration(duration(seconds, live=live))
    assert shown <= seconds < shown + finest


@given(st.integers(min_value=1, max_value=400 * 86400))
def test_negative_durations_mirror_positive_ones(seconds):
    assert duration(-seconds) == "-" + duration(seconds)


# --- money


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("0"), "", "0.00"),
        (D("1800"), "EUR", "1,800.00 EUR"),
        (D("7519.5"), "EUR", "7,519.50 EUR"),
        (D("1234567.891"), "USD", "1,234,567.89 USD"),
        (D("149.416666"), "USD", "149.41 USD"),
        (D("999.999"), "", "999.99"),
        (D("-1234.5"), "EUR", "-1,234.50 EUR"),
        (None, "EUR", DASH),
    ],
)
def test_money_has_separators_and_never_rounds_up(amount, currency, shown):
    assert money(amount, currency) == shown


def test_amounts_in_several_currencies():
    assert amounts({"EUR": D("1800"), "USD": D("20.5")}, empty_currency="EUR") == (
        "1,800.00 EUR, 20.50 USD"
    )
    assert amounts({}, empty_currency="CNY") == "0.00 CNY"


@given(st.decimals(min_value=0, max_value=D("1e12"), allow_nan=False, places=6))
def test_money_never_exceeds_the_amount(amount):
    text = money(amount)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", text)
    shown = D(text.replace(",", ""))
    assert shown <= amount < shown + D("0.01")


# --- local times


@pytest.mark.parametrize(
    ("instant", "zone", "shown"),
    [
        (datetime(2026, 10, 20, 12, 0, tzinfo=UTC), BERLIN, "2026-10-20 14:00 CEST"),
        (datetime(2026, 10, 30, 12, 0, tzinfo=UTC), BERLIN, "2026-10-30 13:00 CET"),
        # the night clocks go back in Berlin: 02:30 happens twice, the zone tells them apart
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), BERLIN, "2026-10-25 02:30 CEST"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), BERLIN, "2026-10-25 02:30 CET"),
        # New York springs forward: 01:59 EST is followed by 03:00 EDT
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), NEW_YORK, "2026-03-08 01:59 EST"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), NEW_YORK, "2026-03-08 03:00 EDT"),
        (datetime(2026, 10, 14, 13, 20, tzinfo=UTC), SHANGHAI, "2026-10-14 21:20 CST"),
        (datetime(2026, 10, 14, 13, 20, 59, 999999, tzinfo=UTC), "UTC", "2026-10-14 13:20 UTC"),
        (None, BERLIN, DASH),
    ],
)
def test_local_time_carries_the_zone(instant, zone, shown):
    assert local_time(instant, zone) == shown


def test_local_time_with_seconds_and_a_zone_object():
    instant = datetime(2026, 10, 20, 11, 35, 7, 900_000, tzinfo=UTC)
    assert local_time(instant, ZoneInfo(BERLIN), seconds=True) == "2026-10-20 13:35:07 CEST"


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="no zone"):
        local_time(datetime(2026, 10, 20, 12, 0), BERLIN)


@given(
    st.integers(min_value=0, max_value=60 * 24 * 3),
    st.integers(min_value=0, max_value=60 * 24 * 3),
    st.sampled_from([BERLIN, NEW_YORK, SHANGHAI, "UTC"]),
)
def test_distinct_minutes_read_differently_even_across_dst(a, b, zone):
    """Around the Berlin and New York fall-back nights, no two minutes share a text."""
    start = datetime(2026, 10, 24 if zone == BERLIN else 31, tzinfo=UTC)
    first, second = start + timedelta(minutes=a), start + timedelta(minutes=b)
    assert (local_time(first, zone) == local_time(second, zone)) == (a == b)


# --- text columns (CJK-safe)


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("Order API", 12, "Order API   "),
        ("开元物流", 10, "开元物流  "),
        ("开元物流", 8, "开元物流"),
        ("开元物流", 7, "开元物…"),
        ("开元物流", 6, "开元… "),
        ("客服机器人 Customer service bot", 20, "客服机器人 Customer…"),
        ("Cafe\u0301 menu", 12, "Cafe\u0301 menu   "),
        ("Cafe\u0301 menu", 5, "Cafe\u0301…"),
        ("two\nlines", 9, "two lines"),
        ("", 3, "   "),
    ],
)
def test_column_counts_wide_characters_twice(text, width, shown):
    assert column(text, width) == shown
    assert cells(column(text, width)) == width


def test_column_aligns_right():
    assert column("开元", 6, align=">") == "  开元"


def test_column_needs_room():
    with pytest.raises(ValueError):
        column("x", 0)


cjk_text = st.text(
    alphabet=st.sampled_from(list("abc XYZ-()é开元物流客服机器人発票識別한국어가…\u0301")),
    max_size=40,
)


@given(cjk_text, st.integers(min_value=1, max_value=40))
def test_columns_always_fill_their_width(text, width):
    shown = column(text, width)
    assert cells(shown) == width
    if cells(text) <= width:
        assert shown.rstrip(" ") == text.rstrip(" ")
    else:
        assert shown.rstrip(" ").endswith("…")


# --- purity


def test_the_module_imports_only_the_standard_library_and_wcwidth():
    tree = ast.parse(Path(formatting.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"wcwidth"}
