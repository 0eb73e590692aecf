"""The public status page of a customer: only public facts, as plain data.

The template gets these dataclasses and nothing else (no model instances), so no internal
field — cost, root cause, summary, dependency, exclusion, other customers — can reach it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import Http404

from console.pages import daily
from console.pages.overview import effective_state
from console.pages.probes import monitoring_starts
from console.svg import strips
from continuity import formatting
from continuity.models import Customer
from incidents.models import OutageUpdate
from reports.selectors import sla_inputs, workflows_for_sla

RECENT = timedelta(days=14)
SEVERITY_LABELS = {"down": "Major outage", "degraded": "Degraded performance"}
PUBLIC_STATE_LABELS = {
    "up": "Operational",
    "degraded": "Degraded",
    "down": "Outage",
    "no_data": "No data",
}


@dataclass(frozen=True)
class PublicUpdate:
    status: str
    message: str
    posted: str


@dataclass(frozen=True)
class PublicIncident:
    workflow: str
    severity: str
    title: str
    started: str
    ended: str | None
    duration: str
    since_iso: str
    updates: tuple[PublicUpdate, ...]


@dataclass(frozen=True)
class PublicWorkflow:
    name: str
    state: str
    state_label: str
    strip: strips.Strip
    availability: str | None


@dataclass(frozen=True)
class StatusPage:
    name: str
    slug: str
    tz: str
    generated: str
    workflows: tuple[PublicWorkflow, ...]
    open_incidents: tuple[PublicIncident, ...]
    recent_incidents: tuple[PublicIncident, ...]

    @property
    def overall(self) -> str:
        states = {w.state for w in self.workflows}
        if "down" in states:
            return "down"
        if "degraded" in states:
            return "degraded"
        if "no_data" in states:
            return "no_data"
        return "up"

    @property
    def headline(self) -> str:
        return {
            "down": "Major outage in progress",
            "degraded": "Some systems are degraded",
            "no_data": "Some systems have no recent monitoring data",
            "up": "All systems operational",
        }[self.overall]


def _incident(outage, workflow_name: str, updates, tz: str, now: datetime) -> PublicIncident:
    end = outage.ended_at or now
    return PublicIncident(
        workflow=workflow_name,
        severity=outage.severity,
        title=f"{SEVERITY_LABELS.get(outage.severity, outage.severity)}: {workflow_name}",
        started=formatting.local_time(outage.started_at, tz),
        ended=formatting.local_time(outage.ended_at, tz) if outage.ended_at else None,
        duration=formatting.duration((end - outage.started_at).total_seconds(), live=True),
        since_iso=formatting.iso(outage.started_at),
        updates=tuple(
            PublicUpdate(u.status, u.message, formatting.local_time(u.posted_at, tz))
            for u in sorted(updates, key=lambda u: (u.posted_at, u.pk), reverse=True)
        ),
    )


def status_page_get(*, slug: str, now: datetime) -> StatusPage:
    customer = Customer.objects.filter(slug=slug, status_page_enabled=True).first()
    if customer is None:
        raise Http404("No status page here.")
    tz = customer.timezone
    span = daily.window(now, tz)
    workflows = list(workflows_for_sla([customer]))
    all_inputs = sla_inputs(workflows, span.start, now, now) if workflows else []
    starts = monitoring_starts(workflow_ids=[wf.pk for wf in workflows])
    public_workflows, incidents = [], []
    for inputs in all_inputs:
        wf = inputs.workflow
        days, whole = daily.history(inputs, span, starts.get(wf.pk), now)
        state = effective_state(
            wf.current_state, [o.severity for o in inputs.outage_rows if o.ended_at is None]
        )
        public_workflows.append(
            PublicWorkflow(
                name=wf.name,
                state=state,
                state_label=PUBLIC_STATE_LABELS.get(state, state),
                strip=strips.strip(days),
                availability=whole.availability_display,
            )
        )
        incidents += [
            (outage, wf.name)
            for outage in inputs.outage_rows
            if outage.ended_at is None or outage.ended_at >= now - RECENT
        ]
    updates: dict[int, list[OutageUpdate]] = {}
    for update in OutageUpdate.objects.filter(outage_id__in=[o.pk for o, _ in incidents]).only(
        "pk", "outage_id", "status", "message", "posted_at"
    ):
        updates.setdefault(update.outage_id, []).append(update)
    incidents.sort(key=lambda pair: pair[0].started_at, reverse=True)
    built = [
        (outage, _incident(outage, name, updates.get(outage.pk, []), tz, now))
        for outage, name in incidents
    ]
    return StatusPage(
        name=customer.name,
        slug=customer.slug,
        tz=tz,
        generated=formatting.local_time(now, tz),
        workflows=tuple(public_workflows),
        open_incidents=tuple(item for outage, item in built if outage.ended_at is None),
        recent_incidents=tuple(item for outage, item in built if outage.ended_at is not None),
    )
