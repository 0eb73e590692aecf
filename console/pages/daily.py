"""Per-day availability figures (drawn as the 90-day strip by ``console.svg.strips``). Pure.

Each local day of the customer's timezone is computed with the SLA rules of
``reports.sla.compute_sla`` (policy weights, exclusions, min_outage_seconds, maintenance),
so a bar's tooltip agrees with the report; its colour is the worst state the day counted.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from continuity import formatting
from reports import intervals, sla
from reports.periods import Period, days_of, load_zone, local_midnight

DAYS = 90
STATES = ("up", "degraded", "down", "no_data", "maintenance", "none")


@dataclass(frozen=True)
class DayFigures:
    day: date
    state: str  # one of STATES; "none" = before monitoring began or nothing scheduled
    availability_pct: Decimal | None
    availability_display: str | None
    down_seconds: int
    degraded_seconds: int
    no_data_seconds: int
    maintenance_seconds: int

    @property
    def title(self) -> str:
        """The tooltip: the day, its availability and what it counted."""
        parts = [self.day.isoformat()]
        if self.availability_display is not None:
            parts.append(f"{self.availability_display} %")
        else:
            parts.append(
                {"none": "not monitored", "maintenance": "maintenance"}.get(self.state, "no data")
            )
        for label, seconds in (
            ("down", self.down_seconds),
            ("degraded", self.degraded_seconds),
            ("no data", self.no_data_seconds),
            ("maintenance", self.maintenance_seconds),
        ):
            if seconds:
                parts.append(f"{label} {formatting.duration(seconds, live=True)}")
        return " · ".join(parts)


def window(now: datetime, tz: str, days: int = DAYS) -> Period:
    """The last ``days`` local days of ``tz``, today (partial) included."""
    today = now.astimezone(load_zone(tz)).date()
    start = local_midnight(today - timedelta(days=days - 1), tz)
    end = local_midnight(today + timedelta(days=1), tz)
    return Period(start, end, tz, f"last {days} days")


def _overlaps(start: datetime, end: datetime | None, day: Period) -> bool:
    return start < day.end and (end is None or end > day.start)


def _state(figures: sla.SLAFigures, monitored: bool) -> str:
    if figures.down_seconds:
        return "down"
    if figures.degraded_seconds:
        return "degraded"
    if not monitored or figures.scheduled_seconds == 0:
        return "none"
    if figures.maintenance_seconds == figures.scheduled_seconds:
        return "maintenance"
    if figures.availability_pct is None or figures.no_data_seconds * 2 > (
        figures.scheduled_seconds - figures.maintenance_seconds
    ):
        return "no_data"
    return "up"


def daily_figures(
    *,
    period: Period,
    policy: sla.Policy,
    outages: Sequence[sla.OutageSpan],
    maintenance: Sequence[intervals.Interval],
    no_data: Sequence[intervals.Interval],
    monitored_since: datetime | None,
    now: datetime,
    effective_from: datetime | None = None,
) -> list[DayFigures]:
    """One entry per local day of ``period`` that has begun by ``now``.

    Days before ``monitored_since`` (the workflow's first probe) are "none"; the time between
    it and the first result counts as no data, as the SLA does.
    """
    result = []
    for day in days_of(period):
        if day.start >= now:
            break
        day_outages = [o for o in outages if _overlaps(o.started_at, o.ended_at, day)]
        day_gaps = [g for g in no_data if _overlaps(g.start, g.end, day)]
        day_maintenance = [m for m in maintenance if _overlaps(m.start, m.end, day)]
        figures = sla.compute_sla(
            period=day,
            policy=policy,
            outages=day_outages,
            maintenance=day_maintenance,
            no_data=day_gaps,
            now=min(now, day.end),
            effective_from=effective_from,
        )
        monitored = monitored_since is not None and monitored_since < day.end
        available = figures.availability_pct if monitored else None
        result.append(
            DayFigures(
                day=date.fromisoformat(day.label),
                state=_state(figures, monitored),
                availability_pct=available,
                availability_display=figures.availability_display if monitored else None,
                down_seconds=figures.down_seconds,
                degraded_seconds=figures.degraded_seconds,
                no_data_seconds=figures.no_data_seconds if monitored else 0,
                maintenance_seconds=figures.maintenance_seconds,
            )
        )
    return result


def history(
    inputs, span: Period, monitored_since: datetime | None, now: datetime
) -> tuple[list[DayFigures], sla.SLAFigures]:
    """A workflow's bars over ``span`` and its figures for the whole span.

    ``inputs`` is a ``reports.selectors.WorkflowInputs`` (policy, outages, maintenance, no-data,
    SLA effective date).
    """
    parts = {
        "policy": inputs.policy,
        "outages": inputs.outages,
        "maintenance": inputs.maintenance,
        "no_data": inputs.no_data,
        "effective_from": inputs.effective_from,
    }
    days = daily_figures(period=span, monitored_since=monitored_since, now=now, **parts)
    return days, sla.compute_sla(period=span, now=now, **parts)
