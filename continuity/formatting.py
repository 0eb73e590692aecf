"""Everything a person reads, formatted one way: numbers, percentages, minutes, durations,
money, local times, and text columns for the terminal.

Pure (standard library and wcwidth, no Django), so every app, the PDF and the emails use it.
Every figure follows SPEC §4's display rule: cut toward zero, never rounded up (99.9496 shows
99.949; a negative figure such as an overspent budget never grows in magnitude either). Exact
values belong to the API; these strings are for people. A missing value shows as ``DASH``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import ROUND_DOWN, Context, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from wcwidth import wcwidth

DASH = "—"
ELLIPSIS = "…"

Number = Decimal | int

_SECONDS_PER_MINUTE = 60
_DIVIDE = Context(prec=100, rounding=ROUND_DOWN)  # truncating twice is truncating once


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


def number(value: Number | None, places: int = 3, *, trim: bool = False) -> str:
    """``value`` truncated to ``places`` decimals ("12.500"); ``trim`` drops trailing zeros."""
    if value is None:
        return DASH
    text = format(truncate(value, places), "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent(value: Number | None, places: int = 3, *, trim: bool = False) -> str:
    """A percentage without the sign: measured figures with fixed places ("99.949",
    "100.000"); configured ones (targets, effectiveness, credits) with ``trim`` ("99.9", "80")."""
    return number(value, places, trim=trim)


def minutes(seconds: Number | None, places: int = 3) -> str:
    """Seconds as minutes without trailing zeros ("15", "12.5", "254.766"); no unit."""
    if seconds is None:
        return DASH
    return number(_DIVIDE.divide(Decimal(seconds), _SECONDS_PER_MINUTE), places, trim=True)


def duration(seconds: float | Number | None, *, live: bool = False) -> str:
    """The two largest units: "45 s", "20 min 00 s", "3 h 05 min", "2 d 4 h".

    ``live`` durations (console pages, ticking in the browser as console.js does) leave out
    the seconds once a minute has passed: "20 min".
    """
    if seconds is None:
        return DASH
    whole = int(seconds)
    days, rest = divmod(abs(whole), 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {mins:02d} min"
    elif mins:
        text = f"{mins} min" if live else f"{mins} min {secs:02d} s"
    else:
        text = f"{secs} s"
    return f"-{text}" if whole < 0 else text


def money(amount: Number | None, currency: str = "") -> str:
    """An amount to the cent with thousands separators: "7,519.50 EUR"."""
    if amount is None:
        return DASH
    text = format(truncate(amount, 2), ",f")
    return f"{text} {currency}" if currency else text


def amounts(by_currency: Mapping[str, Number], *, empty_currency: str) -> str:
    """Amounts in several currencies ("1,800.00 EUR, 20.00 USD"), "0.00 <currency>" if none."""
    shown = ", ".join(money(amount, currency) for currency, amount in by_currency.items())
    return shown or money(0, empty_currency)


def local_time(instant: datetime | None, zone: str | tzinfo, *, seconds: bool = False) -> str:
    """``instant`` on the wall clock of ``zone`` with the zone's abbreviation:
    "2026-10-14 15:20 CEST". The abbreviation also tells apart the two 02:30 of the night
    clocks go back ("02:30 CEST", then "02:30 CET")."""
    if instant is None:
        return DASH
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no zone; cannot show it as local time")
    shown = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{shown.strftime(pattern)} {shown.tzname()}"


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
