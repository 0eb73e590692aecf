"""Read paths for reports: rows turned into the plain data `reports.sla` computes on, and the
SLA figures of customers, workflows and upstream dependencies computed from it.

Everything a customer's SLA needs for a period is read in a fixed number of queries,
whatever the number of workflows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from continuity.formatting import percent
from continuity.models import CreditTier, Customer, FallbackActivation, SLAPolicy, Workflow
from incidents.models import MaintenanceWindow, NoDataSpan, Outage
from reports import impact, intervals, sla
from reports.dependencies import DependentOutage, ProviderIncident, group_incidents
from reports.fallbacks import FallbackSpan
from reports.periods import Period, month_containing
from reports.rto import Mitigation, RTOStatus, mitigation

DEFAULT_POLICY = sla.Policy(target_pct=Decimal("99.900"))


def _hhmm(value: str) -> time:
    return time.fromisoformat(value)


def policy_data(policy: SLAPolicy | None) -> sla.Policy:
    """The pure policy of a stored one (its tiers prefetched); 99.9 % when there is none."""
    if policy is None:
        return DEFAULT_POLICY
    return sla.Policy(
        target_pct=policy.target_pct,
        degraded_weight=policy.degraded_weight,
        min_outage_seconds=policy.min_outage_seconds,
        no_data=policy.no_data,
        credit_tiers=tuple(
            sla.CreditTier(below_pct=tier.below_pct, credit_pct=tier.credit_pct)
            for tier in policy.credit_tiers.all()
        ),
        service_hours=tuple(
            intervals.ServiceWindow(
                weekday=int(window["weekday"]),
                start=_hhmm(window["start"]),
                end=_hhmm(window["end"]),
            )
            for window in policy.service_hours or []
        ),
    )


@dataclass
class WorkflowInputs:
    workflow: Workflow
    policy: sla.Policy
    outages: list[sla.OutageSpan] = field(default_factory=list)
    outage_rows: list[Outage] = field(default_factory=list)
    maintenance: list[intervals.Interval] = field(default_factory=list)
    no_data: list[intervals.Interval] = field(default_factory=list)
    fallbacks: list[FallbackSpan] = field(default_factory=list)
    activations: dict[int, list[FallbackActivation]] = field(default_factory=dict)

    def sla_figures(self, period: Period, now: datetime | None = None) -> sla.SLAFigures:
        """`sla.compute_sla` of this workflow over `period` (month-to-date with `now`)."""
        return sla.compute_sla(
            period=period,
            policy=self.policy,
            outages=self.outages,
            maintenance=self.maintenance,
            no_data=self.no_data,
            fallbacks=self.fallbacks,
            now=now,
        )

    def impact_inputs(self) -> list[impact.OutageImpactInput]:
        return [
            impact_input(outage, self.activations.get(outage.pk, []), self.policy.degraded_weight)
            for outage in self.outage_rows
        ]


def impact_input(
    outage: Outage, activations: list[FallbackActivation], degraded_weight: Decimal
) -> impact.OutageImpactInput:
    """The pure impact input of an outage (its workflow loaded) and its activations."""
    workflow = outage.workflow
    return impact.OutageImpactInput(
        outage_id=outage.pk,
        workflow_id=workflow.pk,
        customer_id=workflow.customer_id,
        upstream_dependency=workflow.upstream_dependency,
        started_at=outage.started_at,
        ended_at=outage.ended_at,
        severity=outage.severity,
        excluded=outage.excluded_from_sla,
        cost_per_minute=workflow.cost_per_minute,
        currency=workflow.currency,
        users_affected=workflow.users_affected,
        degraded_weight=degraded_weight,
        activations=tuple(fallback_span(a) for a in activations),
    )


def fallback_span(activation: FallbackActivation) -> FallbackSpan:
    return FallbackSpan(
        activated_at=activation.activated_at,
        deactivated_at=activation.deactivated_at,
        effectiveness_pct=activation.effectiveness_pct,
        outage_id=activation.outage_id,
    )


def _tiers(path: str) -> Prefetch:
    return Prefetch(path, queryset=CreditTier.objects.order_by("-below_pct"))


def workflows_for_sla(customers: list[Customer] | None = None):
    queryset = Workflow.objects.select_related(
        "customer", "customer__sla_policy", "sla_policy"
    ).prefetch_related(
        _tiers("sla_policy__credit_tiers"),
        _tiers("customer__sla_policy__credit_tiers"),
        "runbooks",
    )
    if customers is not None:
        queryset = queryset.filter(customer__in=customers)
    return queryset.order_by("customer__name", "name", "pk")


def _overlapping(start_field: str, end_field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{start_field}__lt": end}) & (
        Q(**{f"{end_field}__gt": start}) | Q(**{f"{end_field}__isnull": True})
    )


def _clip_end(value: datetime | None, fallback: datetime) -> datetime:
    return value if value is not None else fallback


def sla_inputs(
    workflows: list[Workflow], start: datetime, end: datetime, now: datetime
) -> list[WorkflowInputs]:
    """Outages, maintenance, no-data spans and fallbacks of `workflows` overlapping [start, end)."""
    by_id = {
        wf.pk: WorkflowInputs(workflow=wf, policy=policy_data(wf.effective_policy))
        for wf in workflows
    }
    outages = Outage.objects.filter(
        _overlapping("started_at", "ended_at", start, end), workflow_id__in=list(by_id)
    ).order_by("started_at", "pk")
    for outage in outages:
        inputs = by_id[outage.workflow_id]
        outage.workflow = inputs.workflow  # already loaded: no query per outage
        inputs.outage_rows.append(outage)
        inputs.outages.append(
            sla.OutageSpan(
                outage_id=outage.pk,
                started_at=outage.started_at,
                ended_at=outage.ended_at,
                severity=outage.severity,
                excluded=outage.excluded_from_sla,
            )
        )
    gaps = NoDataSpan.objects.filter(
        _overlapping("started_at", "ended_at", start, end), workflow_id__in=list(by_id)
    )
    for gap in gaps:
        gap_end = _clip_end(gap.ended_at, max(now, gap.started_at))
        if gap_end > gap.started_at:
            by_id[gap.workflow_id].no_data.append(intervals.Interval(gap.started_at, gap_end))
    _add_maintenance(by_id, start, end)
    _add_fallbacks(by_id)
    return list(by_id.values())


def _add_fallbacks(by_id: dict[int, WorkflowInputs]) -> None:
    """Every activation of the outages read (drills have no outage and are left out)."""
    outage_ids = [o.pk for inputs in by_id.values() for o in inputs.outage_rows]
    activations = FallbackActivation.objects.filter(outage_id__in=outage_ids).select_related(
        "runbook"
    )
    for activation in activations.order_by("activated_at", "pk"):
        inputs = by_id[activation.runbook.workflow_id]
        inputs.activations.setdefault(activation.outage_id, []).append(activation)
        inputs.fallbacks.append(fallback_span(activation))


def _add_maintenance(by_id: dict[int, WorkflowInputs], start: datetime, end: datetime) -> None:
    customer_ids = {inputs.workflow.customer_id for inputs in by_id.values()}
    windows = MaintenanceWindow.objects.filter(
        customer_id__in=customer_ids, starts_at__lt=end, ends_at__gt=start
    ).prefetch_related("workflows")
    per_customer: dict[int, list[tuple[intervals.Interval, set[int]]]] = defaultdict(list)
    for window in windows:
        scope = {wf.pk for wf in window.workflows.all()}
        per_customer[window.customer_id].append(
            (intervals.Interval(window.starts_at, window.ends_at), scope)
        )
    for inputs in by_id.values():
        for interval, scope in per_customer[inputs.workflow.customer_id]:
            if not scope or inputs.workflow.pk in scope:
                inputs.maintenance.append(interval)


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


def _workflow_sla(inputs: WorkflowInputs, period: Period, now: datetime, burn: bool) -> WorkflowSLA:
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
        )
    in_period = [o for o in inputs.impact_inputs() if _overlaps(o, period)]
    return WorkflowSLA(
        inputs=inputs,
        figures=figures,
        burn_rates=rates,
        impacts=impact.impacts(
            in_period, window_start=period.start, window_end=period.end, now=now
        ),
        mitigations=outage_mitigations(inputs, now),
    )


def _overlaps(item: impact.OutageImpactInput, period: Period) -> bool:
    return item.started_at < period.end and (item.ended_at is None or item.ended_at > period.start)


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
        _workflow_sla(inputs, period, now, burn=current)
        for inputs in sla_inputs(workflows, lookback_start, period.end, now)
    ]
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
    return {
        inputs.workflow.pk: _workflow_sla(inputs, month_of[inputs.workflow.pk], now, burn=True)
        for inputs in sla_inputs(workflows, earliest, now, now)
    }


def provider_incidents(*, period: Period, now: datetime | None = None) -> list[ProviderIncident]:
    """Every upstream dependency's incidents in the period, across all customers."""
    now = now or timezone.now()
    workflows = list(workflows_for_sla().exclude(upstream_dependency=""))
    by_label: dict[str, list[DependentOutage]] = {}
    for inputs in sla_inputs(workflows, period.start, period.end, now):
        row = _workflow_sla(inputs, period, now, burn=False)
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
