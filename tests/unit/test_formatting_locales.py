"""continuity.formatting in the customer locales: the same digits (SPEC §4's truncation),
only separators, date order and names change."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuity import formatting
from continuity.formatting import (
    amounts,
    day_and_time,
    duration,
    local_time,
    minutes,
    money,
    month_year,
    number,
    percent,
    use_locale,
    weekday,
)

D = Decimal
finite = st.decimals(
    min_value=D("-1e12"), max_value=D("1e12"), allow_nan=False, allow_infinity=False, places=6
)


@pytest.mark.parametrize(
    ("call", "en", "zh", "de"),
    [
        (lambda loc: percent(D("99.9496"), locale=loc), "99.949", "99.949", "99,949"),
        (lambda loc: percent(D("99.9"), trim=True, locale=loc), "99.9", "99.9", "99,9"),
        (lambda loc: minutes(D("15285.96"), locale=loc), "254.766", "254.766", "254,766"),
        (lambda loc: money(D("7519.509"), "EUR", locale=loc), "7,519.50 EUR", "7,519.50 EUR",
         "7.519,50 EUR"),
        (lambda loc: number(D("-0.0009"), locale=loc), "0.000", "0.000", "0,000"),
        (lambda loc: duration(11100, locale=loc), "3 h 05 min", "3 小时 05 分", "3 h 05 min"),
        (lambda loc: month_year(date(2026, 10, 1), locale=loc), "October 2026", "2026年10月",
         "Oktober 2026"),
        (lambda loc: weekday(0, locale=loc), "Mon", "周一", "Mo"),
        (
            lambda loc: local_time(datetime(2026, 10, 14, 13, 20, tzinfo=UTC), "Europe/Berlin",
                                   locale=loc),
            "2026-10-14 15:20 CEST",
            "2026-10-14 15:20 CEST",
            "14.10.2026 15:20 CEST",
        ),
        (
            lambda loc: day_and_time(datetime(2026, 10, 1), locale=loc),
            "1 Oct 00:00",
            "10月1日 00:00",
            "1.10. 00:00",
        ),
    ],
)  # fmt: skip
def test_each_locale_writes_the_same_figure_its_own_way(call, en, zh, de):
    assert (call("en"), call("zh-hans"), call("de")) == (en, zh, de)


def test_german_amounts_in_several_currencies_stay_apart():
    shown = amounts({"EUR": D("1800"), "USD": D("20")}, empty_currency="EUR", locale="de")
    assert shown == "1.800,00 EUR; 20,00 USD"


@given(finite, st.integers(min_value=0, max_value=6))
def test_every_locale_shows_the_same_digits(value, places):
    shown = {loc: number(value, places, locale=loc) for loc in formatting.LOCALES}
    digits = {re.sub(r"[^\d-]", "", text) for text in shown.values()}
    assert len(digits) == 1
    assert shown["de"].replace(",", ".") == shown["en"]


@given(finite)
def test_german_money_swaps_the_two_separators(value):
    en, de = money(value, locale="en"), money(value, locale="de")
    assert de == en.replace(",", "\0").replace(".", ",").replace("\0", ".")


def test_use_locale_sets_the_default_and_restores_it():
    assert formatting.current_locale() == "en"
    with use_locale("de"):
        assert percent(D("99.95")) == "99,950"
        assert percent(D("99.95"), locale="en") == "99.950"
        with use_locale("zh-hans"):
            assert duration(45) == "45 秒"
        assert formatting.current_locale() == "de"
    assert percent(D("99.95")) == "99.950"


def test_an_unknown_locale_is_refused():
    with pytest.raises(ValueError, match="unknown locale 'fr'"):
        number(D(1), locale="fr")
    with pytest.raises(ValueError, match="unknown locale"), use_locale("xx"):
        pass
