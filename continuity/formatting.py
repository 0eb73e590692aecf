"""Everything a person reads, formatted one way: numbers, percentages, minutes, durations,
money, local times, and text columns for the terminal.

Pure (standard library and wcwidth, no Django), so every app, the PDF and the emails use it.
Every figure follows SPEC §4's display rule: cut toward zero, never rounded up (99.9496 shows
99.949; a negative figure such as an overspent budget never grows in magnitude either). Exact
values belong to the API; these strings are for people. A missing value shows as ``DASH``.

Locales (``en``, ``zh-hans``, ``de``): the same digits, only the separators, date order, month
and unit names change ("1,234.567" / "1.234,567"; "2026-10-14 15:20" / "14.10.2026 15:20").
Every function takes ``locale``; left out, it is the one set by ``use_locale`` (default ``en``),
so a customer's PDF and emails are formatted in one ``with use_locale(customer.locale):``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from decimal import ROUND_DOWN, Context, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from wcwidth import wcwidth

DASH = "—"
ELLIPSIS = "…"

Number = Decimal | int

_SECONDS_PER_MINUTE = 60
_DIVIDE = Context(prec=100, rounding=ROUND_DOWN)  # truncating twice is truncating once

LOCALES = ("en", "zh-hans", "de")
_current_locale: ContextVar[str] = ContextVar("formatting_locale", default="en")
_GERMAN_SEPARATORS = str.maketrans({".": ",", ",": "."})
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "zh-hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_UNITS = {  # day, hour, minute, second
    "en": ("d", "h", "min", "s"),
    "de": ("d", "h", "min", "s"),
    "zh-hans": ("天", "小时", "分", "秒"),
}


def _locale(locale: str | None) -> str:
    chosen = _current_locale.get() if locale is None else locale
    if chosen not in LOCALES:
        raise ValueError(f"unknown locale {chosen!r}; choose one of {', '.join(LOCALES)}")
    return chosen


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Format in ``locale`` inside the block (the default for every function here)."""
    token = _current_locale.set(_locale(locale))
    try:
        yield
    finally:
        _current_locale.reset(token)


def current_locale() -> str:
    return _current_locale.get()


def _separators(text: str, locale: str | None) -> str:
    """``text`` written with "." decimals and "," groups, in ``locale``'s separators."""
    return text.translate(_GERMAN_SEPARATORS) if _locale(locale) == "de" else text


def truncate(value: Number, places: int) -> Decimal:
    """``value`` cut toward zero to ``places`` decimals (never -0)."""
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"cannot show {value}")
    context = Context(prec=max(28, value.adjusted() + places + 2), rounding=ROUND_DOWN)
    shown = value.quantize(Decimal(1).scaleb(-places), context=context)
    return shown.copy_abs() if shown.is_zero() else shown


def number(
    value: Number | None, places: int = 3, *, trim: bool = False, locale: str | None = None
) -> str:
    """``value`` truncated to ``places`` decimals ("12.500", de "12,500"); ``trim`` drops
    trailing zeros."""
    if value is None:
        return DASH
    text = format(truncate(value, places), "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return _separators(text, locale)


def figure(text: str | Number | None, *, locale: str | None = None) -> str | None:
    """A figure the API already wrote ("99.884", "-12.5", "1,234.50") in ``locale``'s
    separators: the same digits, so the display rule applied once still holds."""
    return None if text is None else _separators(str(text), locale)


def percent(
    value: Number | None, places: int = 3, *, trim: bool = False, locale: str | None = None
) -> str:
    """A percentage without the sign: measured figures with fixed places ("99.949",
    "100.000"); configured ones (targets, effectiveness, credits) with ``trim`` ("99.9", "80")."""
    return number(value, places, trim=trim, locale=locale)


def minutes(seconds: Number | None, places: int = 3, *, locale: str | None = None) -> str:
    """Seconds as minutes without trailing zeros ("15", "12.5", "254.766"); no unit."""
    if seconds is None:
        return DASH
    in_minutes = _DIVIDE.divide(Decimal(seconds), _SECONDS_PER_MINUTE)
    return number(in_minutes, places, trim=True, locale=locale)


def duration(
    seconds: float | Number | None, *, live: bool = False, locale: str | None = None
) -> str:
    """The two largest units: "45 s", "20 min 00 s", "3 h 05 min", "2 d 4 h".

    ``live`` durations (console pages, ticking in the browser as console.js does) leave out
    the seconds once a minute has passed: "20 min".
    """
    if seconds is None:
        return DASH
    d, h, m, s = _UNITS[_locale(locale)]
    whole = int(seconds)
    days, rest = divmod(abs(whole), 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    if days:
        text = f"{days} {d} {hours} {h}"
    elif hours:
        text = f"{hours} {h} {mins:02d} {m}"
    elif mins:
        text = f"{mins} {m}" if live else f"{mins} {m} {secs:02d} {s}"
    else:
        text = f"{secs} {s}"
    return f"-{text}" if whole < 0 else text


def money(amount: Number | None, currency: str = "", *, locale: str | None = None) -> str:
    """An amount to the cent with thousands separators: "7,519.50 EUR" (de "7.519,50 EUR")."""
    if amount is None:
        return DASH
    text = _separators(format(truncate(amount, 2), ",f"), locale)
    return f"{text} {currency}" if currency else text


def amounts(
    by_currency: Mapping[str, Number], *, empty_currency: str, locale: str | None = None
) -> str:
    """Amounts in several currencies ("1,800.00 EUR, 20.00 USD"), "0.00 <currency>" if none.
    German amounts are joined with "; " since their decimal mark is the comma."""
    joint = "; " if _locale(locale) == "de" else ", "
    shown = joint.join(
        money(amount, currency, locale=locale) for currency, amount in by_currency.items()
    )
    return shown or money(0, empty_currency, locale=locale)


def local_time(
    instant: datetime | None,
    zone: str | tzinfo,
    *,
    seconds: bool = False,
    locale: str | None = None,
) -> str:
    """``instant`` on the wall clock of ``zone`` with the zone's abbreviation:
    "2026-10-14 15:20 CEST" (de "14.10.2026 15:20 CEST"). The abbreviation also tells apart
    the two 02:30 of the night clocks go back ("02:30 CEST", then "02:30 CET")."""
    if instant is None:
        return DASH
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no zone; cannot show it as local time")
    shown = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    day = "%d.%m.%Y" if _locale(locale) == "de" else "%Y-%m-%d"
    pattern = f"{day} %H:%M:%S" if seconds else f"{day} %H:%M"
    return f"{shown.strftime(pattern)} {shown.tzname()}"


def month_year(day: date, *, locale: str | None = None) -> str:
    """ "October 2026", de "Oktober 2026", zh-hans "2026年10月"."""
    chosen = _locale(locale)
    if chosen == "zh-hans":
        return f"{day.year}年{day.month}月"
    return f"{_MONTHS[chosen][day.month - 1]} {day.year}"


def day_and_time(instant: datetime, *, locale: str | None = None) -> str:
    """A wall-clock instant within a known month: "1 Oct 00:00", de "1.10. 00:00",
    zh-hans "10月1日 00:00"."""
    chosen = _locale(locale)
    if chosen == "zh-hans":
        return f"{instant.month}月{instant.day}日 {instant:%H:%M}"
    if chosen == "de":
        return f"{instant.day}.{instant.month}. {instant:%H:%M}"
    return f"{instant.day} {_MONTHS['en'][instant.month - 1][:3]} {instant:%H:%M}"


def weekday(index: int, *, locale: str | None = None) -> str:
    """Monday is 0: "Mon", de "Mo", zh-hans "周一"."""
    return _WEEKDAYS[_locale(locale)][index]


def iso(instant: datetime | None) -> str:
    """Machine-readable (data attributes for scripts), not for reading; "" when missing."""
    return "" if instant is None else instant.isoformat()


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide characters take two, marks none."""
    return sum(_cells(ch) for ch in text)


def column(text: str, width: int, *, align: Literal["<", ">"] = "<") -> str:
    """``text`` in exactly ``width`` terminal cells: cut with "…" when longer, padded with
    spaces, so rows with CJK names line up with the rest."""
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    if cells(text) > width:
        text = _clip(text, width - 1) + ELLIPSIS
    padding = " " * (width - cells(text))
    return text + padding if align == "<" else padding + text


def _cells(ch: str) -> int:
    return max(wcwidth(ch), 0)


def _clip(text: str, width: int) -> str:
    kept, used = [], 0
    for ch in text:
        used += _cells(ch)
        if used > width:
            break
        kept.append(ch)
    return "".join(kept)
