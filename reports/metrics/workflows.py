"""Per-workflow gauges: state, open outages, month-to-date SLA, burn rates, fallbacks, RTO.

The figures come from `reports.sla_selectors.workflows_month_to_date`, the selector behind the
console overview, so they are the numbers `GET /api/v1/sla/` shows for the current month.
Labels are the workflow id and the customer slug only (bounded by the number of
workflows); names and dependencies are on `continuity_workflow_info`, for joins.
"""

from collections.abc import Iterable
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric

from continuity.models import FallbackActivation, Workflow
from incidents.models import Outage
from reports.selectors import workflows_for_sla
from reports.sla_selectors import WorkflowSLA, workflows_month_to_date

STATE_VALUES = {"up": 0, "degraded": 1, "down": 2, "no_data": 3}
NO_DATA = STATE_VALUES["no_data"]
LABELS = ("workflow", "customer")

_FAMILIES = {
    "info": ("The workflow's name and upstream dependency (always 1)", ("name", "dependency")),
    "state": ("Derived state: 0 up, 1 degraded, 2 down, 3 no data", ()),
    "open_outages": ("Outages not yet resolved", ()),
    "availability_percent": ("Month-to-date availability in the customer's month", ()),
    "sla_target_percent": ("The SLA policy's availability target", ()),
    "error_budget_seconds": ("Month-to-date error budget", ()),
    "error_budget_remaining_seconds": ("Error budget left this month (negative: overspent)", ()),
    "error_budget_burn_rate": (
        "Error-budget burn rate over the window (1 = on budget)",
        ("window",),
    ),
    "fallback_active": ("1 while a fallback for one of its outages is switched on", ()),
    "rto_seconds": ("Recovery time objective", ()),
    "open_outage_age_seconds": ("Time since the oldest open outage started", ()),
    "open_outage_time_to_mitigate_seconds": (
        "Oldest open outage: its start to its first fallback activation",
        (),
    ),
}


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        key: GaugeMetricFamily(f"continuity_workflow_{key}", doc, labels=[*LABELS, *extra])
        for key, (doc, extra) in _FAMILIES.items()
    }


def fallback_active_workflow_ids() -> set[int]:
    """Workflows with an outage's fallback still on (drills left out), open outage or not."""
    return set(
        FallbackActivation.objects.filter(deactivated_at=None, is_drill=False)
        .order_by()
        .values_list("runbook__workflow_id", flat=True)
        .distinct()
    )


def _oldest_open(mtd: WorkflowSLA) -> Outage | None:
    return min(
        (outage for outage in mtd.inputs.outage_rows if outage.ended_at is None),
        key=lambda outage: outage.started_at,
        default=None,
    )


def _add(
    families: dict[str, GaugeMetricFamily],
    workflow: Workflow,
    mtd: WorkflowSLA,
    fallback_active: bool,
    now: datetime,
) -> None:
    labels = [str(workflow.pk), workflow.customer.slug]
    figures = mtd.figures

    def put(key: str, value: float, *extra: str) -> None:
        families[key].add_metric([*labels, *extra], float(value))

    put("info", 1, workflow.name, workflow.upstream_dependency)
    put("state", STATE_VALUES.get(workflow.current_state, NO_DATA))
    put("open_outages", sum(1 for outage in mtd.inputs.outage_rows if outage.ended_at is None))
    if figures.availability_pct is not None:
        put("availability_percent", figures.availability_pct)
    put("sla_target_percent", figures.target_pct)
    put("error_budget_seconds", figures.error_budget_seconds)
    put("error_budget_remaining_seconds", figures.error_budget_remaining_seconds)
    for window, rate in (mtd.burn_rates or {}).items():
        if rate is not None:
            put("error_budget_burn_rate", rate, window)
    put("fallback_active", int(fallback_active))
    put("rto_seconds", workflow.rto_minutes * 60)
    oldest = _oldest_open(mtd)
    if oldest is not None:
        put("open_outage_age_seconds", (now - oldest.started_at).total_seconds())
        mitigated = mtd.mitigations[oldest.pk].time_to_mitigate_seconds
        if mitigated is not None:
            put("open_outage_time_to_mitigate_seconds", mitigated)


def workflow_metrics(now: datetime) -> Iterable[Metric]:
    workflows = list(workflows_for_sla())
    figures = workflows_month_to_date(workflows=workflows, now=now)
    fallbacks = fallback_active_workflow_ids()
    families = _families()
    for workflow in workflows:
        _add(families, workflow, figures[workflow.pk], workflow.pk in fallbacks, now)
    return families.values()
