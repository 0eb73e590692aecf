"""The SLA figures of customers, workflows and upstream dependencies, computed from the plain
inputs `reports.selectors.sla_inputs` reads: per-workflow figures, burn rates, impact and RTO,
and the customer summary."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from continuity.formatting import percent
from continuity.models import Customer
from reports import impact, sla
from reports.dependencies import DependentOutage, ProviderIncident, group_incidents
from reports.periods import Period, month_containing
from reports.rto import Mitigation, RTOStatus, mitigation
from reports.selectors import WorkflowInputs, sla_inputs, workflows_for_sla

BURN_LOOKBACK = sla.DEFAULT_BURN_WINDOWS


@dataclass(frozen=True)
class WorkflowSLA:
    inputs: WorkflowInputs
    figures: sla.SLAFigures
    burn_rates: dict[str, Decimal | None] | None
    impacts: list[impact.OutageImpact]
    mitigations: dict[int, Mitigation]

    @property
    def impact_total(self) -> impact.ImpactTotals:
        totals = impact.by_workflow(self.impacts)
        if totals:
            return totals[0]
        return impact.ImpactTotals(
            key=self.inputs.workflow.pk,
            outages=0,
            counted_seconds=0,
            mitigated_seconds=0,
            cost={},
            avoided_cost={},
            user_minutes_lost=Decimal(0),
        )

    @property
    def rto_counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in RTOStatus}
        for item in self.mitigations.values():
            counts[item.rto_status.value] += 1
        return counts


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

    @property
    def impacts(self) -> list[impact.OutageImpact]:
        return [item for row in self.workflows for item in row.impacts]

    @property
    def impact_total(self) -> impact.ImpactTotals | None:
        totals = impact.by_customer(self.impacts)
        return totals[0] if totals else None

    @property
    def impact_by_dependency(self) -> list[impact.ImpactTotals]:
        return impact.by_dependency(self.impacts)


def outage_mitigations(inputs: WorkflowInputs, now: datetime) -> dict[int, Mitigation]:
    """Time to mitigate and RTO status of each of the workflow's outages."""
    result = {}
    for outage in inputs.outage_rows:
        activations = inputs.activations.get(outage.pk, [])
        result[outage.pk] = mitigation(
            started_at=outage.started_at,
            ended_at=outage.ended_at,
            first_activation_at=min((a.activated_at for a in activations), default=None),
            rto_minutes=inputs.workflow.rto_minutes,
            now=now,
        )
    return result


def workflow_sla(inputs: WorkflowInputs, period: Period, now: datetime, burn: bool) -> WorkflowSLA:
    figures = inputs.sla_figures(period, min(now, period.end))
    rates = None
    if burn:
        rates = sla.burn_rates(
            policy=inputs.policy,
            outages=inputs.outages,
            maintenance=inputs.maintenance,
            no_data=inputs.no_data,
            now=now,
            tz=period.timezone,
            effective_from=inputs.effective_from,
        )
    start = figures.effective_start  # impact counts the SLA period's seconds only
    in_period = [o for o in inputs.impact_inputs() if _overlaps(o, start, period.end)]
    return WorkflowSLA(
        inputs=inputs,
        figures=figures,
        burn_rates=rates,
        impacts=impact.impacts(in_period, window_start=start, window_end=period.end, now=now),
        mitigations=outage_mitigations(inputs, now),
    )


def _overlaps(item: impact.OutageImpactInput, start: datetime, end: datetime) -> bool:
    return item.started_at < end and (item.ended_at is None or item.ended_at > start)


def summarise(figures: list[sla.SLAFigures]) -> SLASummary:
    """The customer summary of its workflows' figures."""
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
        availability_display=None if availability is None else percent(availability),
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
    rows = [
        workflow_sla(inputs, period, now, burn=current)
        for inputs in sla_inputs(workflows, lookback_start, period.end, now)
    ]
    return CustomerSLA(
        customer=customer,
        period=period,
        now=now,
        workflows=rows,
        summary=summarise([row.figures for row in rows]),
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
    return {
        inputs.workflow.pk: workflow_sla(inputs, month_of[inputs.workflow.pk], now, burn=True)
        for inputs in sla_inputs(workflows, earliest, now, now)
    }


def provider_incidents(*, period: Period, now: datetime | None = None) -> list[ProviderIncident]:
    """Every upstream dependency's incidents in the period, across all customers."""
    now = now or timezone.now()
    workflows = list(workflows_for_sla().exclude(upstream_dependency=""))
    by_label: dict[str, list[DependentOutage]] = {}
    for inputs in sla_inputs(workflows, period.start, period.end, now):
        row = workflow_sla(inputs, period, now, burn=False)
        impacts = {item.outage_id: item for item in row.impacts}
        for outage in inputs.outage_rows:
            activations = inputs.activations.get(outage.pk, [])
            first = min(activations, key=lambda a: a.activated_at, default=None)
            by_label.setdefault(inputs.workflow.upstream_dependency, []).append(
                DependentOutage(
                    outage_id=outage.pk,
                    customer_id=inputs.workflow.customer_id,
                    workflow_id=inputs.workflow.pk,
                    started_at=outage.started_at,
                    ended_at=outage.ended_at,
                    first_activation_at=first.activated_at if first else None,
                    automatic_activation=bool(first and first.automatic),
                    fallback_active_now=any(a.deactivated_at is None for a in activations),
                    impact=impacts[outage.pk],
                )
            )
    return [
        incident
        for label in sorted(by_label)
        for incident in group_incidents(label, by_label[label], now=now)
    ]
