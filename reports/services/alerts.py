"""The alert sweep: RTO about to be missed or missed, error-budget burn, as outgoing events.

Keyed on database state, so running it twice (or in two workers at once) owes nothing twice:
an RTO event's idempotency key is its outage's, and a burn event's is the crossing's, which a
conditional UPDATE on `BurnAlert` hands to exactly one sweep.

The sweep first decides, from one read of the figures, the burn states and the keys already
owed, what each workflow owes; only a workflow that owes something opens a transaction. A
steady sweep (nothing new) runs in the same number of queries whatever the number of
workflows. An endpoint added after an RTO event was owed to the customer's others does not
get that event.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from continuity.formatting import number
from continuity.models import EventDelivery, EventType, Workflow
from incidents.services.events import event_emit
from incidents.services.sweeps import sweep_record
from reports import alerts
from reports.models import BurnAlert
from reports.sla_selectors import WorkflowSLA, workflows_month_to_date

logger = logging.getLogger(__name__)

ALERT_SWEEP = "alerts"
# A missed RTO is still news this long after its outage ended (the sweep may lag behind).
RECENT = timedelta(hours=1)


@dataclass(frozen=True)
class AlertSweepSummary:
    workflows: int
    emitted: int
    failed: int = 0


@dataclass
class Owed:
    """What one workflow owes this sweep: RTO events by key, burn windows whose state flips."""

    row: WorkflowSLA
    rto: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    burn: dict[str, bool] = field(default_factory=dict)


def alerts_sweep(*, now: datetime | None = None) -> AlertSweepSummary:
    """Emit the RTO and burn events owed by every workflow whose customer has an endpoint."""
    now = now or timezone.now()
    workflows = list(
        Workflow.objects.filter(customer__event_endpoints__active=True)
        .select_related("customer", "customer__sla_policy", "sla_policy")
        .distinct()
    )
    firing = {
        (workflow_id, window): since is not None
        for workflow_id, window, since in BurnAlert.objects.filter(
            workflow__in=workflows
        ).values_list("workflow_id", "window", "firing_since")
    }
    plans = [
        _plan(row, now, firing)
        for row in workflows_month_to_date(workflows=workflows, now=now).values()
    ]
    keys = [key for plan in plans for key in plan.rto]
    owed_already = set(
        EventDelivery.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    emitted, failed = 0, []
    for plan in plans:
        plan.rto = {k: v for k, v in plan.rto.items() if k not in owed_already}
        if not plan.rto and not plan.burn:
            continue
        workflow_id = plan.row.inputs.workflow.pk
        try:
            with transaction.atomic():  # one commit per workflow, its events with it
                emitted += _emit_rto(plan) + _emit_burn(plan, now)
        except Exception:
            logger.exception("alert sweep: workflow %s failed; sweeping on", workflow_id)
            failed.append(workflow_id)
    sweep_record(name=ALERT_SWEEP, swept=len(workflows), failed_ids=failed, now=now)
    return AlertSweepSummary(workflows=len(workflows), emitted=emitted, failed=len(failed))


def _plan(row: WorkflowSLA, now: datetime, firing: dict[tuple[int, str], bool]) -> Owed:
    workflow = row.inputs.workflow
    plan = Owed(row=row)
    for outage in row.inputs.outage_rows:
        alert = alerts.rto_alert(
            alerts.OutageRTO(
                started_at=outage.started_at,
                ended_at=outage.ended_at,
                excluded=outage.excluded_from_sla,
                status=row.mitigations[outage.pk].rto_status,
                rto_minutes=workflow.rto_minutes,
            ),
            now=now,
            at_risk_percent=settings.RTO_AT_RISK_PERCENT,
            recent=RECENT,
        )
        if alert is not None:
            plan.rto[f"{alert.value}-{outage.pk}"] = (alert.value, _rto_data(workflow, outage))
    for window, burning in alerts.burning(row.burn_rates).items():
        if firing.get((workflow.pk, window), False) != burning:
            plan.burn[window] = burning
    return plan


def _rto_data(workflow: Workflow, outage: Any) -> dict[str, Any]:
    deadline = outage.started_at + timedelta(minutes=workflow.rto_minutes)
    return {
        "outage": outage.pk,
        "workflow": workflow.name,
        "workflow_id": workflow.pk,
        "severity": outage.severity,
        "started_at": outage.started_at.isoformat(),
        "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
        "rto_minutes": workflow.rto_minutes,
        "rto_deadline": deadline.isoformat(),
    }


def _emit_rto(plan: Owed) -> int:
    customer = plan.row.inputs.workflow.customer
    return sum(
        event_emit(customer=customer, event_type=event_type, key=key, data=data)
        for key, (event_type, data) in plan.rto.items()
    )


def _emit_burn(plan: Owed, now: datetime) -> int:
    """Flip each window's state with a conditional UPDATE; only the sweep that flips a window
    to firing owes its event."""
    row = plan.row
    workflow = row.inputs.workflow
    emitted = 0
    for window, burning in plan.burn.items():
        state, _ = BurnAlert.objects.get_or_create(workflow=workflow, window=window)
        if not burning:
            BurnAlert.objects.filter(pk=state.pk).exclude(firing_since=None).update(
                firing_since=None
            )
            continue
        if not BurnAlert.objects.filter(pk=state.pk, firing_since=None).update(firing_since=now):
            continue  # another sweep flipped it first: its event is owed already
        emitted += event_emit(
            customer=workflow.customer,
            event_type=EventType.BUDGET_BURN,
            key=f"budget.burn-{workflow.pk}-{window}-{int(now.timestamp())}",
            data={
                "workflow": workflow.name,
                "workflow_id": workflow.pk,
                "window": window,
                "threshold": str(alerts.BURN_THRESHOLDS[window]),
                "burn_rate": number(row.burn_rates[window], 2),
                "error_budget_remaining_seconds": number(
                    row.figures.error_budget_remaining_seconds, 0
                ),
            },
        )
    return emitted
