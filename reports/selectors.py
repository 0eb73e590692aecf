"""Read paths for reports: rows turned into the plain data `reports.sla` computes on
(the figures computed from it are in `reports.sla_selectors`).

Everything a customer's SLA needs for a period is read in a fixed number of queries,
whatever the number of workflows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Min, Prefetch, Q

from continuity.models import CreditTier, Customer, FallbackActivation, SLAPolicy, Workflow
from incidents.models import MaintenanceWindow, NoDataSpan, Outage, Probe
from reports import impact, intervals, sla
from reports.fallbacks import FallbackSpan
from reports.periods import Period

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

    @property
    def effective_from(self) -> datetime | None:
        return self.workflow.sla_effective_from

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
            effective_from=self.effective_from,
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


def sla_prefetches() -> tuple:
    """What computing a workflow's figures reads beside the workflow row."""
    return (
        _tiers("sla_policy__credit_tiers"),
        _tiers("customer__sla_policy__credit_tiers"),
        "runbooks",
    )


def workflows_for_sla(customers: list[Customer] | None = None):
    queryset = Workflow.objects.select_related(
        "customer", "customer__sla_policy", "sla_policy"
    ).prefetch_related(*sla_prefetches())
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
    """Outages, maintenance, no-data spans and fallbacks of `workflows` overlapping [start, end).

    No data includes the time before each workflow's monitoring began (`sla.leading_no_data`).
    """
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
    _add_leading_no_data(by_id, start, end)
    _add_maintenance(by_id, start, end)
    _add_fallbacks(by_id)
    return list(by_id.values())


def _add_leading_no_data(by_id: dict[int, WorkflowInputs], start: datetime, end: datetime) -> None:
    """No data before each workflow's first probe result, from its probes' `first_observed_at`.

    Probes that run (enabled) or have reported count; a disabled probe that never reported
    does not make a manual-only workflow "no data".
    """
    probes = (
        Probe.objects.filter(workflow_id__in=list(by_id))
        .filter(Q(enabled=True) | Q(first_observed_at__isnull=False))
        .values_list("workflow_id")
        .annotate(first=Min("first_observed_at"))
        .order_by()
    )
    for workflow_id, first in probes:
        by_id[workflow_id].no_data.extend(
            sla.leading_no_data(start=start, end=end, first_results=[first])
        )


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
