"""Reporting periods: calendar months and ranges in a customer's timezone.

Pure functions, no Django. A period is stored as UTC instants [start, end); its length is
always computed by subtracting those UTC instants, never local wall-clock times, so DST
months come out right (October 2026 in America/New_York has 44,640 minutes, November
43,260, March 44,580).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from continuity.timestamps import MAX_YEAR, MIN_YEAR, instant_problem

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SECOND = timedelta(seconds=1)


class PeriodError(ValueError):
    """A period, date or timezone the user gave cannot be used. The message is user-facing;
    `field` names the parameter at fault when it is known ("start", "end")."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """A half-open span [start, end) of UTC instants, reported in the customer's timezone.

    ``label`` is "YYYY-MM" for calendar months, "YYYY-MM-DD" (local date) for the days of
    ``days_of`` and "<start>/<end>" (UTC, ISO 8601) for arbitrary ranges.
    """

    start: datetime
    end: datetime
    timezone: str
    label: str

    def __post_init__(self) -> None:
        load_zone(self.timezone)
        object.__setattr__(self, "start", _to_utc(self.start, "period start"))
        object.__setattr__(self, "end", _to_utc(self.end, "period end"))
        if self.end <= self.start:
            raise PeriodError(
                f"period end must be after its start, got {_iso(self.start)} to {_iso(self.end)}"
            )

    @property
    def seconds(self) -> int:
        """Whole seconds in the period (UTC difference, so DST transitions are counted)."""
        return (self.end - self.start) // _SECOND

    @property
    def minutes(self) -> Decimal:
        """``seconds / 60``; exact whenever the period is a whole number of minutes."""
        return Decimal(self.seconds) / Decimal(60)


@lru_cache(maxsize=256)
def load_zone(tz: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or PeriodError naming the bad value."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise PeriodError(
            f"unknown timezone {tz!r}; use an IANA name such as 'Europe/Berlin'"
        ) from None


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of a local calendar day, in UTC.

    If midnight does not exist that day (a DST jump at 00:00), zoneinfo's fold=0 maps it to
    the transition instant, which is the day's real first instant.
    """
    return datetime.combine(day, time(0), tzinfo=load_zone(tz)).astimezone(UTC)


def month_period(year: int, month: int, tz: str) -> Period:
    """The calendar month ``year-month`` in ``tz``: local midnight of the 1st to the next 1st."""
    if not 1 <= month <= 12:
        raise PeriodError(f"month must be between 1 and 12, got {month}")
    if not 2 <= year <= 9998:
        raise PeriodError(f"year must be between 2 and 9998, got {year}")
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(
        start=local_midnight(first, tz),
        end=local_midnight(following, tz),
        timezone=tz,
        label=f"{year:04d}-{month:02d}",
    )


def parse_month(value: str, tz: str) -> Period:
    """Parse "YYYY-MM" (years 2000–2100) into the calendar month in ``tz``."""
    text = value.strip() if isinstance(value, str) else ""
    match = _MONTH_RE.fullmatch(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"period must be YYYY-MM, got {value!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"period year must be between {MIN_YEAR} and {MAX_YEAR}, got {value!r}")
    return month_period(year, month, tz)


def parse_range(start: str, end: str, tz: str) -> Period:
    """Parse a range of ISO dates or offset-aware ISO datetimes; ``end`` is exclusive.

    A bare date ("2026-10-01") means local midnight in ``tz``, so "2026-10-01" to
    "2026-10-08" is seven whole local days. A datetime must carry its offset ("Z" or
    "+02:00"); a naive one is rejected rather than guessed.
    """
    load_zone(tz)
    lower = _parse_instant(start, tz, "start")
    upper = _parse_instant(end, tz, "end")
    if upper <= lower:
        raise PeriodError(f"range end {end!r} must be after start {start!r}")
    return Period(start=lower, end=upper, timezone=tz, label=f"{_iso(lower)}/{_iso(upper)}")


def month_containing(instant: datetime, tz: str) -> Period:
    """The local calendar month in ``tz`` that contains ``instant``."""
    local = _to_utc(instant, "instant").astimezone(load_zone(tz))
    return month_period(local.year, local.month, tz)


def previous_month(instant: datetime, tz: str) -> Period:
    """The last local month that had fully ended at ``instant`` (the month before its month)."""
    current = month_containing(instant, tz)
    local_start = current.start.astimezone(load_zone(tz))
    before = local_start.date() - timedelta(days=1)
    return month_period(before.year, before.month, tz)


def days_of(period: Period) -> list[Period]:
    """The local calendar days of ``period`` (23 or 25 hours on DST days).

    Days are clipped to the period, so a range that does not start or end at local midnight
    yields partial first and last days. Each day is labelled with its local date.
    """
    zone = load_zone(period.timezone)
    day = period.start.astimezone(zone).date()
    days: list[Period] = []
    while (day_start := local_midnight(day, period.timezone)) < period.end:
        day_end = local_midnight(day + timedelta(days=1), period.timezone)
        start, end = max(day_start, period.start), min(day_end, period.end)
        if start < end:
            days.append(Period(start, end, period.timezone, day.isoformat()))
        day += timedelta(days=1)
    return days


def _parse_instant(value: str, tz: str, which: str) -> datetime:
    text = value.strip() if isinstance(value, str) else ""
    if _DATE_RE.fullmatch(text):
        return local_midnight(_parse_date(text, value, which), tz)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PeriodError(
            f"range {which} must be an ISO date (2026-10-01) or a datetime with offset "
            f"(2026-10-01T00:00:00+00:00), got {value!r}",
            which,
        ) from None
    if parsed.utcoffset() is None:
        raise PeriodError(
            f"range {which} {value!r} has no UTC offset; add one such as 'Z' or '+02:00'", which
        )
    if problem := instant_problem(parsed):
        raise PeriodError(f"range {which} {problem}, got {value!r}", which)
    return parsed.astimezone(UTC)


def _parse_date(text: str, value: str, which: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"range {which} {value!r} is not a valid date", which) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodError(
            f"range {which} must be between the years {MIN_YEAR} and {MAX_YEAR}, got {value!r}",
            which,
        )
    return day


def _to_utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise PeriodError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
