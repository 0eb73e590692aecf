"""The overview: every workflow's state, open outages, fallbacks and month-to-date SLA.

Reads in a fixed number of queries whatever the number of customers, workflows or
outages: the workflows (with policies and runbooks), their open outages, then the
month-to-date inputs of all of them at once (``reports.services.workflows_month_to_date``).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from continuity import formatting
from continuity.models import Customer, FallbackActivation, Workflow
from incidents.models import Outage
from reports import impact
from reports.rto import Mitigation, RTOStatus
from reports.selectors import workflows_for_sla
from reports.sla_selectors import WorkflowSLA, workflows_month_to_date

STATES = (
    ("down", "Down"),
    ("degraded", "Degraded"),
    ("no_data", "No data"),
    ("up", "Up"),
)
STATE_LABELS = dict(STATES)
_RANK = {"up": 0, "no_data": 1, "degraded": 2, "down": 3}


def effective_state(current_state: str, open_severities) -> str:
    """The worse of the derived state and the severity of any open (e.g. manual) outage."""
    states = [current_state if current_state in _RANK else "no_data", *open_severities]
    return max(states, key=_RANK.__getitem__)


@dataclass(frozen=True)
class Filters:
    customer: str = ""
    state: str = ""
    dependency: str = ""

    @classmethod
    def from_query(cls, params) -> "Filters":
        state = params.get("state", "")
        return cls(
            customer=params.get("customer", "").strip(),
            state=state if state in STATE_LABELS else "",
            dependency=params.get("dependency", "").strip(),
        )

    @property
    def active(self) -> bool:
        return bool(self.customer or self.state or self.dependency)


@dataclass(frozen=True)
class BudgetBar:
    """Remaining error budget as a share of the budget so far (0–100 for the bar)."""

    share: Decimal | None
    remaining_seconds: Decimal
    budget_seconds: Decimal

    @property
    def width(self) -> str:
        return f"{max(Decimal(0), min(Decimal(100), self.share or Decimal(0))):.1f}"

    @property
    def level(self) -> str:
        if self.share is None:
            return "none"
        if self.remaining_seconds < 0:
            return "overspent"
        if self.share < 25:
            return "low"
        if self.share < 60:
            return "mid"
        return "ok"

    @property
    def text(self) -> str:
        if self.share is None:
            return "no budget"
        if self.remaining_seconds < 0:
            return f"overspent by {formatting.minutes(-self.remaining_seconds)} min"
        left = formatting.minutes(self.remaining_seconds)
        return f"{left} min of {formatting.minutes(self.budget_seconds)} min left"


def budget_bar(mtd: WorkflowSLA | None) -> BudgetBar | None:
    if mtd is None:
        return None
    f = mtd.figures
    budget, remaining = f.error_budget_seconds, f.error_budget_remaining_seconds
    share = None if budget <= 0 else Decimal(100) * remaining / budget
    return BudgetBar(share=share, remaining_seconds=remaining, budget_seconds=budget)


@dataclass(frozen=True)
class OpenOutage:
    outage: Outage
    workflow: Workflow
    now: datetime
    active: FallbackActivation | None
    first_activation: FallbackActivation | None
    mitigation: Mitigation
    impact: impact.OutageImpact | None

    @property
    def duration_seconds(self) -> int:
        return int((self.now - self.outage.started_at).total_seconds())

    @property
    def duration(self) -> str:
        return formatting.duration(self.duration_seconds, live=True)

    @property
    def started(self) -> str:
        return formatting.local_time(self.outage.started_at, self.workflow.customer.timezone)

    @property
    def since_iso(self) -> str:
        return formatting.iso(self.outage.started_at)

    @property
    def rto_deadline(self) -> datetime:
        return self.outage.started_at + timedelta(minutes=self.workflow.rto_minutes)

    @property
    def rto_text(self) -> str:
        m, rto = self.mitigation, self.workflow.rto_minutes
        if m.time_to_mitigate_seconds is not None:
            verdict = "within" if m.rto_status == RTOStatus.MET else "after"
            return (
                f"mitigated after {formatting.duration(m.time_to_mitigate_seconds, live=True)} "
                f"({verdict} RTO {rto} min)"
            )
        if m.rto_status == RTOStatus.PENDING:
            left = int((self.rto_deadline - self.now).total_seconds())
            return f"RTO {rto} min: {formatting.duration(left, live=True)} left"
        return f"RTO {rto} min missed"

    @property
    def rto_status(self) -> str:
        return self.mitigation.rto_status.value

    @property
    def cost(self) -> str:
        if self.impact is None:
            return "—"
        return formatting.money(impact.money(self.impact.cost), self.workflow.currency)


@dataclass(frozen=True)
class WorkflowRow:
    workflow: Workflow
    state: str
    open_outages: list[OpenOutage]
    mtd: WorkflowSLA | None
    budget: BudgetBar | None
    forgotten: list[FallbackActivation]

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def has_runbook(self) -> bool:
        return bool(self.workflow.runbooks.all())

    @property
    def target(self) -> str:
        return formatting.percent(self.mtd.figures.target_pct, trim=True) if self.mtd else "—"

    @property
    def burn_1h(self) -> str:
        rates = self.mtd.burn_rates if self.mtd else None
        rate = (rates or {}).get("1h")
        return "—" if rate is None else f"{formatting.number(rate, 1)}×"

    @property
    def burn_alert(self) -> bool:
        rates = (self.mtd.burn_rates if self.mtd else None) or {}
        return (rates.get("1h") or 0) >= Decimal("14.4") or (rates.get("6h") or 0) >= 6


@dataclass
class CustomerGroup:
    customer: Customer
    rows: list[WorkflowRow] = field(default_factory=list)

    @property
    def worst(self) -> str:
        return effective_state("up", [r.state for r in self.rows if r.state != "no_data"])


@dataclass(frozen=True)
class Overview:
    now: datetime
    filters: Filters
    groups: list[CustomerGroup]
    open_outages: list[OpenOutage]
    customers: list[Customer]
    dependencies: list[str]

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        rows = [row for group in self.groups for row in group.rows]
        return [(key, label, sum(1 for r in rows if r.state == key)) for key, label in STATES]

    @property
    def active_fallbacks(self) -> int:
        return sum(1 for item in self.open_outages if item.active is not None)

    @property
    def workflow_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)


def _open_outage(
    outage: Outage, mtd: WorkflowSLA, impacts: dict[int, impact.OutageImpact], now: datetime
) -> OpenOutage:
    activations = mtd.inputs.activations.get(outage.pk, [])
    return OpenOutage(
        outage=outage,
        workflow=mtd.inputs.workflow,
        now=now,
        active=next((a for a in activations if a.deactivated_at is None), None),
        first_activation=min(activations, key=lambda a: a.activated_at, default=None),
        mitigation=mtd.mitigations[outage.pk],
        impact=impacts.get(outage.pk),
    )


def _open_impacts(mtd: WorkflowSLA, now: datetime) -> dict[int, impact.OutageImpact]:
    """Each open outage's impact from its start (not only this month) to now."""
    return {
        item.outage_id: impact.outage_impact(
            item, window_start=item.started_at, window_end=now, now=now
        )
        for item in mtd.inputs.impact_inputs()
        if item.ended_at is None
    }


def _row(workflow: Workflow, state: str, mtd: WorkflowSLA | None, now: datetime) -> WorkflowRow:
    open_rows, forgotten = [], []
    if mtd is not None:
        impacts = _open_impacts(mtd, now)
        for outage in mtd.inputs.outage_rows:
            if outage.ended_at is None:
                open_rows.append(_open_outage(outage, mtd, impacts, now))
            else:
                forgotten += [
                    a for a in mtd.inputs.activations.get(outage.pk, []) if a.deactivated_at is None
                ]
    return WorkflowRow(
        workflow=workflow,
        state=state,
        open_outages=open_rows,
        mtd=mtd,
        budget=budget_bar(mtd),
        forgotten=forgotten,
    )


def overview_get(*, filters: Filters, now: datetime) -> Overview:
    workflows = workflows_for_sla()
    if filters.customer:
        workflows = workflows.filter(customer__slug=filters.customer)
    if filters.dependency:
        workflows = workflows.filter(upstream_dependency=filters.dependency)
    workflows = list(workflows)
    severities: dict[int, list[str]] = {}
    for workflow_id, severity in Outage.objects.filter(
        ended_at=None, workflow__in=[wf.pk for wf in workflows]
    ).values_list("workflow_id", "severity"):
        severities.setdefault(workflow_id, []).append(severity)
    states = {
        wf.pk: effective_state(wf.current_state, severities.get(wf.pk, [])) for wf in workflows
    }
    if filters.state:
        workflows = [wf for wf in workflows if states[wf.pk] == filters.state]
    figures = workflows_month_to_date(workflows=workflows, now=now)
    groups: dict[int, CustomerGroup] = {}
    for workflow in workflows:
        group = groups.setdefault(workflow.customer_id, CustomerGroup(workflow.customer))
        group.rows.append(_row(workflow, states[workflow.pk], figures.get(workflow.pk), now))
    open_outages = sorted(
        (item for group in groups.values() for row in group.rows for item in row.open_outages),
        key=lambda item: item.outage.started_at,
    )
    dependencies = sorted(
        set(
            Workflow.objects.exclude(upstream_dependency="")
            .order_by()
            .values_list("upstream_dependency", flat=True)
            .distinct()
        )
    )
    return Overview(
        now=now,
        filters=filters,
        groups=list(groups.values()),
        open_outages=open_outages,
        customers=list(Customer.objects.order_by("name").only("slug", "name")),
        dependencies=dependencies,
    )
