"""The workflow page: 90 days of daily availability, month-to-date figures, its probes with
their latest result per location, runbooks, last drill and recent outages."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.http import Http404

from audit.selectors import AuditEvent, audit_events_for
from console.pages import daily
from console.pages.overview import STATE_LABELS, BudgetBar, effective_state
from console.pages.probes import ProbeStatus, monitoring_starts, probes_with_last_results
from console.svg import strips
from continuity import formatting
from continuity.models import FallbackActivation, Runbook, RunbookStep, Workflow
from incidents.models import Outage
from reports import sla
from reports.figures import availability_note
from reports.periods import month_containing
from reports.rto import Mitigation
from reports.selectors import sla_inputs, workflows_for_sla
from reports.sla_selectors import outage_mitigations


@dataclass(frozen=True)
class OutageRow:
    outage: Outage
    mitigation: Mitigation
    tz: str
    now: datetime

    @property
    def started(self) -> str:
        return formatting.local_time(self.outage.started_at, self.tz)

    @property
    def duration(self) -> str:
        end = self.outage.ended_at or self.now
        return formatting.duration((end - self.outage.started_at).total_seconds(), live=True)


@dataclass(frozen=True)
class WorkflowPage:
    workflow: Workflow
    now: datetime
    tz: str
    state: str
    days: list[daily.DayFigures]
    strip: strips.Strip
    window_availability: str | None
    mtd: sla.SLAFigures
    budget: BudgetBar
    probes: list[ProbeStatus]
    runbooks: list[Runbook]
    last_drill: FallbackActivation | None
    outages: list[OutageRow]
    history: list[AuditEvent]

    @property
    def last_drill_at(self) -> str:
        tested = [rb.last_tested_at for rb in self.runbooks if rb.last_tested_at]
        if self.last_drill is not None:
            tested.append(self.last_drill.activated_at)
        return formatting.local_time(max(tested), self.tz) if tested else "never"

    @property
    def target(self) -> str:
        return formatting.percent(self.mtd.target_pct, trim=True)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def sla_effective_from(self) -> str | None:
        effective = self.workflow.sla_effective_from
        return None if effective is None else formatting.local_time(effective, self.tz)

    @property
    def mtd_note(self) -> str | None:
        return availability_note(self.mtd, self.tz)


def workflow_page_get(*, workflow_id: int, now: datetime) -> WorkflowPage:
    workflow = workflows_for_sla().filter(pk=workflow_id).first()
    if workflow is None:
        raise Http404("No such workflow.")
    tz = workflow.customer.timezone
    span = daily.window(now, tz)
    (inputs,) = sla_inputs([workflow], span.start, now, now)
    starts = monitoring_starts(workflow_ids=[workflow.pk])
    days, whole = daily.history(inputs, span, starts.get(workflow.pk), now)
    month = month_containing(now, tz)
    mtd = inputs.sla_figures(month, now)
    budget = mtd.error_budget_seconds
    mitigations = outage_mitigations(inputs, now)
    open_severities = [o.severity for o in inputs.outage_rows if o.ended_at is None]
    return WorkflowPage(
        workflow=workflow,
        now=now,
        tz=tz,
        state=effective_state(workflow.current_state, open_severities),
        days=days,
        strip=strips.strip(days),
        window_availability=whole.availability_display,
        mtd=mtd,
        budget=BudgetBar(
            share=None if budget <= 0 else 100 * mtd.error_budget_remaining_seconds / budget,
            remaining_seconds=mtd.error_budget_remaining_seconds,
            budget_seconds=budget,
        ),
        probes=probes_with_last_results(workflow_id=workflow.pk, tz=tz, now=now),
        runbooks=list(
            Runbook.objects.filter(workflow=workflow).prefetch_related(
                Prefetch("steps", queryset=RunbookStep.objects.order_by("order"))
            )
        ),
        last_drill=FallbackActivation.objects.filter(runbook__workflow=workflow, is_drill=True)
        .order_by("-activated_at")
        .first(),
        outages=[
            OutageRow(outage, mitigations[outage.pk], tz, now)
            for outage in reversed(inputs.outage_rows)
        ],
        history=audit_events_for(object_type="workflow", object_id=workflow.pk),
    )
