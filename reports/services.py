"""SLA figures for a customer and period, computed from the pure rules in `reports.sla`."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from continuity.models import Customer
from reports import sla
from reports.periods import Period, month_containing
from reports.selectors import WorkflowInputs, sla_inputs, workflows_for_sla

BURN_LOOKBACK = sla.DEFAULT_BURN_WINDOWS


@dataclass(frozen=True)
class WorkflowSLA:
    inputs: WorkflowInputs
    figures: sla.SLAFigures
    burn_rates: dict[str, Decimal | None] | None


@dataclass(frozen=True)
class SLASummary:
    workflows: int
    met: int
    breached: int
    measured_seconds: int
    down_seconds: int
    degraded_seconds: int
    counted_downtime_seconds: Decimal
    availability_pct: Decimal | None
    availability_display: str | None
    lowest_availability_pct: Decimal | None
    outage_count: int
    workflows_with_credit: int


@dataclass(frozen=True)
class CustomerSLA:
    customer: Customer
    period: Period
    now: datetime
    workflows: list[WorkflowSLA]
    summary: SLASummary


def _summarise(rows: list[WorkflowSLA]) -> SLASummary:
    figures = [row.figures for row in rows]
    measured = sum(f.measured_seconds for f in figures)
    counted = sum((f.counted_downtime_seconds for f in figures), Decimal(0))
    availability = None
    if measured:
        availability = sla.availability(counted, measured)
    known = [f.availability_pct for f in figures if f.availability_pct is not None]
    return SLASummary(
        workflows=len(figures),
        met=sum(1 for f in figures if f.met is True),
        breached=sum(1 for f in figures if f.met is False),
        measured_seconds=measured,
        down_seconds=sum(f.down_seconds for f in figures),
        degraded_seconds=sum(f.degraded_seconds for f in figures),
        counted_downtime_seconds=counted,
        availability_pct=availability,
        availability_display=sla.truncate_pct(availability) if availability is not None else None,
        lowest_availability_pct=min(known, default=None),
        outage_count=sum(f.outage_count for f in figures),
        workflows_with_credit=sum(1 for f in figures if f.credit_pct > 0),
    )


def _is_current(period: Period, now: datetime) -> bool:
    return period.start <= now < period.end


def customer_sla(*, customer: Customer, period: Period, now: datetime | None = None) -> CustomerSLA:
    """Per-workflow SLA figures and a customer summary, in a bounded number of queries.

    A period still running is computed month-to-date, with error-budget burn rates.
    """
    now = now or timezone.now()
    workflows = list(workflows_for_sla([customer]))
    current = _is_current(period, now)
    lookback_start = min(period.start, now - max(BURN_LOOKBACK)) if current else period.start
    rows = []
    for inputs in sla_inputs(workflows, lookback_start, period.end, now):
        figures = sla.compute_sla(
            period=period,
            policy=inputs.policy,
            outages=inputs.outages,
            maintenance=inputs.maintenance,
            no_data=inputs.no_data,
            fallbacks=inputs.fallbacks,
            now=min(now, period.end),
        )
        burn = None
        if current:
            burn = sla.burn_rates(
                policy=inputs.policy,
                outages=inputs.outages,
                maintenance=inputs.maintenance,
                no_data=inputs.no_data,
                now=now,
                tz=period.timezone,
            )
        rows.append(WorkflowSLA(inputs=inputs, figures=figures, burn_rates=burn))
    return CustomerSLA(
        customer=customer, period=period, now=now, workflows=rows, summary=_summarise(rows)
    )


def workflows_month_to_date(
    *, workflows: list, now: datetime | None = None
) -> dict[int, WorkflowSLA]:
    """Month-to-date figures and burn rates of each workflow, in its customer's month.

    One read of the inputs for all workflows, whatever their number or timezones.
    """
    now = now or timezone.now()
    if not workflows:
        return {}
    month_of = {wf.pk: month_containing(now, wf.customer.timezone) for wf in workflows}
    earliest = min(min(period.start for period in month_of.values()), now - max(BURN_LOOKBACK))
    results = {}
    for inputs in sla_inputs(workflows, earliest, now, now):
        period = month_of[inputs.workflow.pk]
        figures = sla.compute_sla(
            period=period,
            policy=inputs.policy,
            outages=inputs.outages,
            maintenance=inputs.maintenance,
            no_data=inputs.no_data,
            fallbacks=inputs.fallbacks,
            now=now,
        )
        burn = sla.burn_rates(
            policy=inputs.policy,
            outages=inputs.outages,
            maintenance=inputs.maintenance,
            no_data=inputs.no_data,
            now=now,
            tz=period.timezone,
        )
        results[inputs.workflow.pk] = WorkflowSLA(inputs=inputs, figures=figures, burn_rates=burn)
    return results
