"""Display helpers for the console: durations, local times, minutes. Pure, no Django."""

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from reports.periods import load_zone


def duration(seconds: int | Decimal | None) -> str:
    """A compact duration: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes:02d} min"
    elif minutes:
        text = f"{minutes} min"
    else:
        text = f"{secs} s"
    return sign + text


def minutes(seconds: int | Decimal | None) -> str:
    """Seconds as minutes with one decimal, truncated ("12.5 min")."""
    if seconds is None:
        return "—"
    value = (Decimal(seconds) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return f"{value:f} min"


def local(instant: datetime | None, tz: str, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``instant`` in the zone ``tz`` with the zone's abbreviation ("2026-10-14 15:20 CEST")."""
    if instant is None:
        return "—"
    shown = instant.astimezone(load_zone(tz))
    return f"{shown.strftime(pattern)} {shown.tzname()}"


def iso(instant: datetime | None) -> str:
    return "" if instant is None else instant.isoformat()


def pct(value: Decimal | None) -> str:
    """A policy percentage without trailing zeros ("99.9", "99.95")."""
    if value is None:
        return "—"
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
