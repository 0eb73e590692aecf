"""The outage page: the outage with its evidence, results around it, updates, fallback
activations and runbooks, read in a fixed number of queries, and its timeline strip."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from audit.selectors import AuditEvent, audit_events_for
from console.pages import chronology
from console.svg import timeline
from continuity import formatting
from continuity.models import FallbackActivation, Runbook, RunbookStep, StepCompletion
from incidents.models import Outage, OutageEvidence, OutageUpdate, Probe, ProbeResult
from reports import impact
from reports.rto import Mitigation, mitigation
from reports.selectors import DEFAULT_POLICY, fallback_span, impact_input

# Results drawn on the strip at most; a longer outage shows its evidence and the first ones.
MAX_RESULTS = 3000
MAX_LANES = 12


@dataclass(frozen=True)
class StepRow:
    order: int
    title: str
    owner_role: str
    expected_minutes: int
    completion: StepCompletion | None
    tz: str

    @property
    def done_at(self) -> str:
        if self.completion is None:
            return ""
        return formatting.local_time(self.completion.completed_at, self.tz)


@dataclass(frozen=True)
class ActivationRow:
    activation: FallbackActivation
    steps: list[StepRow]
    tz: str

    @property
    def activated(self) -> str:
        return formatting.local_time(self.activation.activated_at, self.tz)

    @property
    def deactivated(self) -> str:
        return formatting.local_time(self.activation.deactivated_at, self.tz)

    @property
    def title(self) -> str:
        return self.activation.runbook_snapshot.get("title") or self.activation.runbook.title


@dataclass(frozen=True)
class EvidenceRow:
    """An evidence row as stored: its copy of the result, which may have been dropped."""

    role: str
    evidence: OutageEvidence
    probe_name: str
    tz: str

    @property
    def observed(self) -> str:
        return formatting.local_time(self.evidence.observed_at, self.tz, seconds=True)

    @property
    def detail(self) -> str:
        return _detail(self.evidence)


@dataclass(frozen=True)
class OutagePage:
    outage: Outage
    now: datetime
    tz: str
    updates: list[OutageUpdate]
    activations: list[ActivationRow]
    active: FallbackActivation | None
    runbooks: list[Runbook]
    evidence: list[EvidenceRow]
    mitigation: Mitigation
    impact: impact.OutageImpact
    timeline: timeline.Timeline
    results_truncated: bool
    probes: list[Probe]
    log: list[chronology.LogEntry]
    history: list[AuditEvent]

    @property
    def workflow(self):
        return self.outage.workflow

    @property
    def duration_seconds(self) -> int:
        return int(((self.outage.ended_at or self.now) - self.outage.started_at).total_seconds())

    @property
    def duration(self) -> str:
        return formatting.duration(self.duration_seconds, live=True)

    @property
    def started(self) -> str:
        return formatting.local_time(self.outage.started_at, self.tz)

    @property
    def ended(self) -> str:
        if self.outage.ended_at is None:
            return "ongoing"
        return formatting.local_time(self.outage.ended_at, self.tz)

    @property
    def since_iso(self) -> str:
        return formatting.iso(self.outage.started_at)

    @property
    def time_to_mitigate(self) -> str:
        return formatting.duration(self.mitigation.time_to_mitigate_seconds, live=True)

    @property
    def cost(self) -> str:
        return formatting.money(impact.money(self.impact.cost), self.workflow.currency)

    @property
    def avoided_cost(self) -> str:
        return formatting.money(impact.money(self.impact.avoided_cost), self.workflow.currency)

    @property
    def counted(self) -> str:
        return f"{formatting.minutes(self.impact.counted_seconds)} min"

    @property
    def mitigated(self) -> str:
        return f"{formatting.minutes(self.impact.mitigated_seconds)} min"


def _activation_rows(activations: list[FallbackActivation], tz: str) -> list[ActivationRow]:
    rows = []
    for activation in activations:
        done = {c.step_order: c for c in activation.step_completions.all()}
        steps = [
            StepRow(
                order=step["order"],
                title=step["title"],
                owner_role=step.get("owner_role", ""),
                expected_minutes=step.get("expected_minutes", 0),
                completion=done.get(step["order"]),
                tz=tz,
            )
            for step in activation.runbook_snapshot.get("steps", [])
        ]
        rows.append(ActivationRow(activation, steps, tz))
    return rows


def _impact(outage: Outage, activations: list[FallbackActivation], now: datetime):
    workflow = outage.workflow
    policy = workflow.effective_policy
    weight = policy.degraded_weight if policy else DEFAULT_POLICY.degraded_weight
    item = impact_input(outage, activations, weight)
    return impact.outage_impact(
        item, window_start=outage.started_at, window_end=outage.ended_at or now, now=now
    )


def _lanes(
    probes: list[Probe], results: list[dict], evidence: list[EvidenceRow], shown: set[int]
) -> tuple[timeline.LocationLane, ...]:
    roles = {row.evidence.result_id: row.role for row in evidence}
    by_lane: dict[tuple[int, str], list[timeline.ResultPoint]] = {}
    for row in results:
        by_lane.setdefault((row["probe_id"], row["location"]), []).append(
            timeline.ResultPoint(
                observed_at=row["observed_at"],
                outcome=row["outcome"],
                role=roles.get(row["id"], ""),
                detail=_detail(row),
            )
        )
    for row in evidence:
        if row.evidence.result_id not in shown:
            by_lane.setdefault((row.evidence.probe_id, row.evidence.location), []).append(
                timeline.ResultPoint(
                    row.evidence.observed_at, row.evidence.outcome, row.role, _detail(row.evidence)
                )
            )
    lanes = []
    for probe in probes:
        for location in probe.locations:
            points = by_lane.get((probe.pk, location), ())
            lanes.append(
                timeline.LocationLane(
                    label=location if len(probes) == 1 else f"{probe.name} · {location}",
                    interval_seconds=probe.interval_seconds,
                    results=tuple(points),
                )
            )
    return tuple(lanes[:MAX_LANES])


def _detail(row) -> str:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    error = str(get("error") or "")[:80]
    parts = []
    if get("status_code") and f"HTTP {get('status_code')}" not in error:
        parts.append(f"HTTP {get('status_code')}")
    if get("latency_ms") is not None:
        parts.append(f"{get('latency_ms')} ms")
    if error:
        parts.append(error)
    return ", ".join(parts)


def outage_page_get(*, outage_id: int, now: datetime) -> OutagePage:
    outage = get_object_or_404(
        Outage.objects.select_related(
            "workflow__customer__sla_policy", "workflow__sla_policy"
        ).prefetch_related("probes"),
        pk=outage_id,
    )
    workflow, tz = outage.workflow, outage.workflow.customer.timezone
    updates = list(OutageUpdate.objects.filter(outage=outage).select_related("author"))
    activations = list(
        FallbackActivation.objects.filter(outage=outage)
        .select_related("runbook")
        .prefetch_related("step_completions")
        .order_by("activated_at", "pk")
    )
    runbooks = list(
        Runbook.objects.filter(workflow=workflow).prefetch_related(
            Prefetch("steps", queryset=RunbookStep.objects.order_by("order"))
        )
    )
    evidence = [
        EvidenceRow(link.role, link, link.probe.name, tz)
        for link in OutageEvidence.objects.filter(outage=outage)
        .select_related("probe")
        .order_by("observed_at", "pk")
    ]
    probes = list(outage.probes.all()) or list(
        Probe.objects.filter(workflow=workflow, enabled=True).order_by("name", "pk")
    )
    probes.sort(key=lambda p: (p.name, p.pk))
    first = min((a.activated_at for a in activations), default=None)
    data = timeline.TimelineInput(
        started_at=outage.started_at,
        ended_at=outage.ended_at,
        now=now,
        severity=outage.severity,
        rto_minutes=workflow.rto_minutes,
        tz=tz,
        updates=tuple(timeline.Event(u.posted_at, u.status, u.message[:120]) for u in updates),
        activations=tuple(
            timeline.FallbackMark(
                fallback_span(a),
                f"{a.runbook.title} {formatting.percent(a.effectiveness_pct, trim=True)}%",
                "automatic" if a.automatic else (a.activated_by or ""),
            )
            for a in activations
        ),
        steps=tuple(
            timeline.Event(c.completed_at, f"step {c.step_order}", c.title)
            for a in activations
            for c in a.step_completions.all()
        ),
    )
    start, end = timeline.window(data)
    rows = list(
        ProbeResult.objects.filter(
            probe_id__in=[p.pk for p in probes], observed_at__gte=start, observed_at__lte=end
        )
        .order_by("observed_at", "pk")
        .values(
            "id",
            "probe_id",
            "location",
            "observed_at",
            "outcome",
            "status_code",
            "latency_ms",
            "error",
        )[: MAX_RESULTS + 1]
    )
    truncated = len(rows) > MAX_RESULTS
    rows = rows[:MAX_RESULTS]
    shown = {row["id"] for row in rows}
    lanes = _lanes(probes, rows, evidence, shown)
    data = replace(data, locations=lanes)
    return OutagePage(
        outage=outage,
        now=now,
        tz=tz,
        updates=updates,
        activations=_activation_rows(activations, tz),
        active=next((a for a in activations if a.deactivated_at is None), None),
        runbooks=runbooks,
        evidence=evidence,
        mitigation=mitigation(
            started_at=outage.started_at,
            ended_at=outage.ended_at,
            first_activation_at=first,
            rto_minutes=workflow.rto_minutes,
            now=now,
        ),
        impact=_impact(outage, activations, now),
        timeline=timeline.build(data),
        results_truncated=truncated,
        probes=probes,
        log=chronology.outage_chronology(
            outage=outage, updates=updates, activations=activations, evidence=evidence, tz=tz
        ),
        history=audit_events_for(object_type="outage", object_id=outage.pk),
    )
