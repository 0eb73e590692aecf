"""The alert sweep: RTO about to be missed or missed, error-budget burn, as outgoing events.

Keyed on database state, so running it twice (or in two workers at once) owes nothing twice:
an RTO event's idempotency key is its outage's, and a burn event's is the crossing's, which a
conditional UPDATE on `BurnAlert` hands to exactly one sweep.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from continuity.formatting import number
from continuity.models import EventType, Workflow
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
    emitted, failed = 0, []
    for workflow_id, row in workflows_month_to_date(workflows=workflows, now=now).items():
        try:
            emitted += _rto_events(row, now) + _burn_events(row, now, firing)
        except Exception:
            logger.exception("alert sweep: workflow %s failed; sweeping on", workflow_id)
            failed.append(workflow_id)
    sweep_record(name=ALERT_SWEEP, swept=len(workflows), failed_ids=failed, now=now)
    return AlertSweepSummary(workflows=len(workflows), emitted=emitted, failed=len(failed))


def _rto_events(row: WorkflowSLA, now: datetime) -> int:
    workflow = row.inputs.workflow
    emitted = 0
    for outage in row.inputs.outage_rows:
        mitigation = row.mitigations[outage.pk]
        alert = alerts.rto_alert(
            alerts.OutageRTO(
                started_at=outage.started_at,
                ended_at=outage.ended_at,
                excluded=outage.excluded_from_sla,
                status=mitigation.rto_status,
                rto_minutes=workflow.rto_minutes,
            ),
            now=now,
            at_risk_percent=settings.RTO_AT_RISK_PERCENT,
            recent=RECENT,
        )
        if alert is None:
            continue
        data = {
            "outage": outage.pk,
            "workflow": workflow.name,
            "workflow_id": workflow.pk,
            "severity": outage.severity,
            "started_at": outage.started_at.isoformat(),
            "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
            "rto_minutes": workflow.rto_minutes,
            "rto_deadline": (
                outage.started_at + timedelta(minutes=workflow.rto_minutes)
            ).isoformat(),
        }
        with transaction.atomic():
            emitted += event_emit(
                customer=workflow.customer,
                event_type=alert.value,
                key=f"{alert.value}-{outage.pk}",
                data=data,
            )
    return emitted


def _burn_events(row: WorkflowSLA, now: datetime, known: dict[tuple[int, str], bool]) -> int:
    """Write only on a change of state; `known` (read once for the sweep) skips the rest."""
    workflow = row.inputs.workflow
    emitted = 0
    for window, firing in alerts.burning(row.burn_rates).items():
        if known.get((workflow.pk, window), False) == firing:
            continue
        with transaction.atomic():
            state, _ = BurnAlert.objects.get_or_create(workflow=workflow, window=window)
            if not firing:
                BurnAlert.objects.filter(pk=state.pk).exclude(firing_since=None).update(
                    firing_since=None
                )
                continue
            if not BurnAlert.objects.filter(pk=state.pk, firing_since=None).update(
                firing_since=now
            ):
                continue  # already firing: this crossing's event is owed already
            rate = row.burn_rates[window]
            emitted += event_emit(
                customer=workflow.customer,
                event_type=EventType.BUDGET_BURN,
                key=f"budget.burn-{workflow.pk}-{window}-{int(now.timestamp())}",
                data={
                    "workflow": workflow.name,
                    "workflow_id": workflow.pk,
                    "window": window,
                    "threshold": str(alerts.BURN_THRESHOLDS[window]),
                    "burn_rate": number(rate, 2),
                    "error_budget_remaining_seconds": number(
                        row.figures.error_budget_remaining_seconds, 0
                    ),
                },
            )
    return emitted
