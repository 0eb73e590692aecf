"""The demo's customers, workflows and outage pattern, placed relative to "now".

The demo covers the last complete month and the current month up to now. Every month gets
the same pattern, positioned from its first day (UTC): a multi-hour "OpenAI API" outage on
the 14th seen by every customer depending on it, shorter blips, a latency-degraded episode,
a location that goes stale and a one-location failure that (correctly) opens no outage.
Pattern days past the end of a short month are clamped to its last day. A workflow is
onboarded on the 20th of the previous month, its SLA starting at local midnight.
Pure: no Django, deterministic for a given "now".
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=5)
ZONES = ("Europe/Berlin", "Asia/Shanghai", "America/New_York")
Month = tuple[int, int]


def label(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def month_before(month: Month) -> Month:
    year, number = month
    return (year - 1, 12) if number == 1 else (year, number - 1)


@dataclass(frozen=True)
class DemoSpan:
    """What the demo simulates: ``previous`` (complete everywhere) and ``current`` (to now)."""

    now: datetime
    previous: Month
    current: Month

    @classmethod
    def at(cls, now: datetime, zones: tuple[str, ...] = ZONES) -> DemoSpan:
        """The current month is the earliest local month of ``now`` among the demo's zones,
        so the previous one has ended in every customer's timezone."""
        now = now.astimezone(UTC)
        local = [now.astimezone(ZoneInfo(zone)) for zone in zones]
        current = min((moment.year, moment.month) for moment in local)
        return cls(now=now, previous=month_before(current), current=current)

    @property
    def months(self) -> tuple[Month, Month]:
        return (self.previous, self.current)

    @property
    def start(self) -> datetime:
        """A day before the previous month (UTC), so zones east of UTC have its first day."""
        year, month = self.previous
        return datetime(year, month, 1, tzinfo=UTC) - timedelta(days=1)

    @property
    def end(self) -> datetime:
        return self.now

    @property
    def previous_label(self) -> str:
        return label(self.previous)

    @property
    def current_label(self) -> str:
        return label(self.current)


def at(month: Month, day: int, hour: int, minute: int = 0) -> datetime:
    """Day ``day`` of the month (clamped to its length) at hour:minute UTC."""
    year, number = month
    day = min(day, calendar.monthrange(year, number)[1])
    return datetime(year, number, day, hour, minute, tzinfo=UTC)


def provider_outage_span(month: Month) -> tuple[datetime, datetime]:
    return at(month, 14, 13, 20), at(month, 14, 17, 5)


@dataclass(frozen=True)
class Disturbance:
    """Results inside [start, end) at the given locations (all when empty) read `outcome`."""

    start: datetime
    end: datetime
    outcome: str
    locations: tuple[str, ...] = ()
    latency_ms: int | None = None
    silent: bool = False  # no results at all: the location goes stale


def provider_outage(month: Month) -> Disturbance:
    return Disturbance(*provider_outage_span(month), outcome="down")


def blip(month: Month, day: int, hour: int, minute: int, length_minutes: int) -> Disturbance:
    start = at(month, day, hour, minute)
    return Disturbance(start, start + timedelta(minutes=length_minutes), outcome="down")


@dataclass
class WorkflowPlan:
    name: str
    criticality: int
    cost_per_minute: str
    users_affected: int
    rto_minutes: int
    upstream: str
    locations: tuple[str, ...]
    degraded_latency_ms: int | None = 2500
    disturbances: list[Disturbance] = field(default_factory=list)
    onboarded: datetime | None = None  # when its probe is created and first reports
    sla_effective_from: datetime | None = None


@dataclass
class CustomerPlan:
    slug: str
    name: str
    timezone: str
    currency: str
    recipients: list[str]
    workflows: list[WorkflowPlan]
    locale: str = "en"


def monthly(span: DemoSpan, make: Callable[[Month], list[Disturbance]]) -> list[Disturbance]:
    """The same disturbances in every month of the span."""
    return [disturbance for month in span.months for disturbance in make(month)]


def local_instant(day: date, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def plans(span: DemoSpan) -> list[CustomerPlan]:
    eu = ("eu-west", "eu-central", "us-east")
    asia = ("ap-east", "ap-southeast", "eu-west")
    us = ("us-east", "us-west")
    onboarding_day = at(span.previous, 20, 0).date()
    return [
        CustomerPlan(
            slug="northwind",
            name="Northwind Retail GmbH",
            timezone="Europe/Berlin",
            locale="de",
            currency="EUR",
            recipients=["sla@northwind.example", "cto@northwind.example"],
            workflows=[
                WorkflowPlan(
                    "Support chatbot",
                    1,
                    "45.00",
                    1200,
                    15,
                    "OpenAI API",
                    eu,
                    disturbances=monthly(
                        span,
                        lambda m: [
                            provider_outage(m),
                            blip(m, 3, 9, 10, 20),
                            blip(m, 22, 18, 0, 10),
                        ],
                    ),
                ),
                WorkflowPlan(
                    "Product description pipeline",
                    2,
                    "8.50",
                    40,
                    120,
                    "OpenAI API",
                    eu,
                    disturbances=monthly(span, lambda m: [provider_outage(m)]),
                ),
                WorkflowPlan(
                    "Order API",
                    1,
                    "120.00",
                    5000,
                    10,
                    "Own backend",
                    eu,
                    disturbances=monthly(
                        span,
                        lambda m: [
                            blip(m, 9, 2, 30, 15),
                            # Only one location fails: below quorum, so no outage.
                            Disturbance(
                                at(m, 17, 11), at(m, 17, 12), "down", locations=("us-east",)
                            ),
                        ],
                    ),
                ),
            ],
        ),
        CustomerPlan(
            slug="kaiyuan",
            name="开元物流 Kaiyuan Logistics",
            timezone="Asia/Shanghai",
            locale="zh-hans",
            currency="CNY",
            recipients=["ops@kaiyuan.example"],
            workflows=[
                WorkflowPlan(
                    "Invoice OCR 发票识别",
                    1,
                    "60.00",
                    300,
                    30,
                    "Azure OpenAI",
                    asia,
                    disturbances=monthly(
                        span,
                        lambda m: [
                            blip(m, 6, 1, 0, 25),
                            # ap-east stops reporting for six hours: a stale location.
                            Disturbance(
                                at(m, 8, 2), at(m, 8, 8), "up", locations=("ap-east",), silent=True
                            ),
                        ],
                    ),
                ),
                WorkflowPlan(
                    "客服机器人 Customer service bot",
                    1,
                    "35.00",
                    800,
                    20,
                    "OpenAI API",
                    asia,
                    disturbances=monthly(
                        span, lambda m: [provider_outage(m), blip(m, 27, 3, 15, 12)]
                    ),
                ),
            ],
        ),
        CustomerPlan(
            slug="lumen",
            name="Lumen Health Inc.",
            timezone="America/New_York",
            currency="USD",
            recipients=["it-ops@lumen.example"],
            workflows=[
                WorkflowPlan(
                    "Triage assistant",
                    1,
                    "90.00",
                    2500,
                    15,
                    "OpenAI API",
                    us,
                    disturbances=monthly(
                        span,
                        lambda m: [
                            provider_outage(m),
                            # The provider crawls: answers, but slowly (degraded).
                            Disturbance(at(m, 21, 9), at(m, 21, 9, 40), "up", latency_ms=4200),
                        ],
                    ),
                ),
                WorkflowPlan(
                    "Data analysis notebooks",
                    3,
                    "5.00",
                    60,
                    240,
                    "OpenAI API",
                    us,
                    disturbances=monthly(
                        span, lambda m: [provider_outage(m), blip(m, 12, 20, 0, 30)]
                    ),
                ),
                WorkflowPlan(
                    "Patient portal",
                    1,
                    "150.00",
                    9000,
                    10,
                    "Own backend",
                    us,
                    disturbances=monthly(span, lambda m: [blip(m, 19, 6, 45, 8)]),
                ),
                # Onboarded mid-month: the SLA starts at local midnight, the probe reports
                # from 09:00 local, so the morning before it is no data.
                WorkflowPlan(
                    "Claims intake assistant",
                    2,
                    "25.00",
                    400,
                    30,
                    "OpenAI API",
                    us,
                    disturbances=monthly(span, lambda m: [blip(m, 28, 15, 0, 20)]),
                    onboarded=local_instant(onboarding_day, time(9), "America/New_York"),
                    sla_effective_from=local_instant(onboarding_day, time(0), "America/New_York"),
                ),
            ],
        ),
    ]
