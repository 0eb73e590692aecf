"""Load the demo's simulated history: probe results every 5 minutes from two or three
locations, from a day before the previous month up to now, and the fallbacks operators
(and the auto-activation) used during each provider outage. Deterministic for a given now.
"""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Min

from console.demo.pattern import (
    STEP,
    DemoSpan,
    WorkflowPlan,
    at,
    plans,
    provider_outage_span,
)
from continuity.models import CreditTier, Customer, Runbook, RunbookStep, SLAPolicy, Workflow
from incidents.models import MaintenanceWindow, Probe, ProbeResult
from incidents.services import workflow_derive_outages
from incidents.services.fallbacks import (
    fallback_activate,
    fallback_deactivate,
    fallbacks_auto_activate,
    step_complete,
)


def _result_for(plan: WorkflowPlan, location: str, instant: datetime, rng: random.Random):
    """(outcome, latency) at an instant, or None when the location is silent."""
    for disturbance in plan.disturbances:
        applies = not disturbance.locations or location in disturbance.locations
        if applies and disturbance.start <= instant < disturbance.end:
            if disturbance.silent:
                return None
            latency = disturbance.latency_ms or (None if disturbance.outcome == "down" else 400)
            return disturbance.outcome, latency
    return "up", rng.randint(180, 900)


def simulated_results(
    probe: Probe, plan: WorkflowPlan, span: DemoSpan, seed: int
) -> Iterator[ProbeResult]:
    rng = random.Random(seed)
    for index, location in enumerate(plan.locations):
        offset = timedelta(seconds=7 * index + 3)
        instant = plan.onboarded or span.start
        while instant + offset <= span.end:
            observed_at = instant + offset
            reading = _result_for(plan, location, observed_at, rng)
            if reading is not None:
                outcome, latency = reading
                yield ProbeResult(
                    probe=probe,
                    location=location,
                    observed_at=observed_at,
                    outcome=outcome,
                    latency_ms=latency,
                    status_code=200 if outcome != "down" else 503,
                    error="" if outcome != "down" else "HTTP 503 from upstream",
                )
            instant += STEP


def _policy(name: str, target: str, tiers: list[tuple[str, str]], **extra) -> SLAPolicy:
    policy = SLAPolicy.objects.create(name=name, target_pct=Decimal(target), **extra)
    CreditTier.objects.bulk_create(
        CreditTier(policy=policy, below_pct=Decimal(below), credit_pct=Decimal(credit))
        for below, credit in tiers
    )
    return policy


def policies() -> dict[str, SLAPolicy]:
    tiers = [("99.9", "10"), ("99.0", "25"), ("95.0", "50")]
    business_hours = [{"weekday": day, "start": "08:00", "end": "20:00"} for day in range(6)]
    return {
        "northwind": _policy("Enterprise 99.9", "99.900", tiers),
        "kaiyuan": _policy(
            "Business hours 99.5 (Mon-Sat 08-20)",
            "99.500",
            [("99.5", "10"), ("98.0", "30")],
            service_hours=business_hours,
        ),
        "lumen": _policy("Healthcare 99.95", "99.950", [("99.95", "10"), ("99.5", "25")]),
    }


def add_maintenance(customer: Customer, span: DemoSpan) -> None:
    if customer.slug != "northwind":
        return
    for month in span.months:
        if at(month, 9, 2) >= span.now:
            continue
        window = MaintenanceWindow.objects.create(
            customer=customer,
            starts_at=at(month, 9, 2),
            ends_at=at(month, 9, 3),
            reason="Order database failover test",
        )
        window.workflows.set(customer.workflows.filter(name="Order API"))


def load(span: DemoSpan) -> list[Customer]:
    """Create the demo customers, workflows and probes and their results up to now."""
    customers = []
    seed = 0
    policy_for = policies()
    for customer_plan in plans(span):
        customer = Customer.objects.create(
            slug=customer_plan.slug,
            name=customer_plan.name,
            timezone=customer_plan.timezone,
            locale=customer_plan.locale,
            report_recipients=customer_plan.recipients,
            status_page_enabled=True,
            sla_policy=policy_for[customer_plan.slug],
        )
        customers.append(customer)
        for plan in customer_plan.workflows:
            workflow = Workflow.objects.create(
                customer=customer,
                name=plan.name,
                criticality=plan.criticality,
                cost_per_minute=Decimal(plan.cost_per_minute),
                currency=customer_plan.currency,
                users_affected=plan.users_affected,
                rto_minutes=plan.rto_minutes,
                upstream_dependency=plan.upstream,
                sla_effective_from=plan.sla_effective_from,
            )
            probe = Probe.objects.create(
                workflow=workflow,
                name=f"{plan.name} endpoint",
                kind="external",
                target=f"https://{customer.slug}.example/health/{workflow.pk}",
                interval_seconds=int(STEP.total_seconds()),
                locations=list(plan.locations),
                degraded_latency_ms=plan.degraded_latency_ms,
            )
            seed += 1
            ProbeResult.objects.bulk_create(
                simulated_results(probe, plan, span, seed), batch_size=5000
            )
            first = ProbeResult.objects.filter(probe=probe).aggregate(Min("observed_at"))
            Probe.objects.filter(pk=probe.pk).update(
                derivation_pending=True,
                first_observed_at=first["observed_at__min"],
                last_observed_at=span.end,
                created_at=plan.onboarded or span.start,
            )
        add_maintenance(customer, span)
    return customers


def _runbook(
    workflow: Workflow, title: str, strategy: str, steps: list[tuple[str, str, int]], **extra
):
    runbook = Runbook.objects.create(
        workflow=workflow, title=title, fallback_strategy=strategy, **extra
    )
    RunbookStep.objects.bulk_create(
        RunbookStep(runbook=runbook, order=order, title=title, owner_role=role, expected_minutes=m)
        for order, (title, role, m) in enumerate(steps, start=1)
    )
    return runbook


def _provider_outage_of(workflow: Workflow, start: datetime):
    return workflow.outages.filter(
        started_at__lte=start + timedelta(minutes=5), ended_at__gt=start
    ).first()


def add_runbooks_and_fallbacks(span: DemoSpan) -> None:
    """During each provider outage that has ended: Northwind switches by hand after 12
    minutes, Lumen's triage assistant switches automatically after 10, Kaiyuan has no
    fallback."""
    chatbot = Workflow.objects.get(customer__slug="northwind", name="Support chatbot")
    manual = _runbook(
        chatbot,
        "Switch the chatbot to Azure OpenAI",
        "Second provider: route chat completions to Azure OpenAI (EU region).",
        [
            ("Flip the provider feature flag", "on-call SRE", 3),
            ("Tell support leads", "support lead", 5),
        ],
        default_effectiveness_pct=Decimal("80"),
        last_tested_at=at(span.previous, 1, 10) - timedelta(days=12),
    )
    triage = Workflow.objects.get(customer__slug="lumen", name="Triage assistant")
    _runbook(
        triage,
        "Nurse hotline takes over triage",
        "Offline procedure: the assistant is hidden and patients are sent to the nurse hotline.",
        [("Hide the assistant", "automation", 0), ("Staff the hotline", "nursing lead", 10)],
        auto_activate_after_minutes=10,
        default_effectiveness_pct=Decimal("60"),
    )
    for month in span.months:
        outage_start, outage_end = provider_outage_span(month)
        if outage_end + timedelta(minutes=15) > span.now:
            continue  # not over yet (or not begun): nothing to replay
        _manual_switch(chatbot, manual, outage_start)
        _automatic_switch(triage, outage_start, span.now)

    _runbook(
        Workflow.objects.get(customer__slug="lumen", name="Patient portal"),
        "Static maintenance page",
        "Serve the static status page; appointments by phone.",
        [("Switch DNS to the static page", "SRE", 5)],
    )


def _manual_switch(chatbot: Workflow, manual: Runbook, outage_start: datetime) -> None:
    outage = _provider_outage_of(chatbot, outage_start)
    if outage is None:
        return
    activation = fallback_activate(
        outage=outage,
        runbook=manual,
        activated_at=outage.started_at + timedelta(minutes=12),
        activated_by="oncall@northwind.example",
    )
    step_complete(
        activation=activation, order=1, completed_at=activation.activated_at + timedelta(minutes=2)
    )
    step_complete(
        activation=activation, order=2, completed_at=activation.activated_at + timedelta(minutes=6)
    )
    fallback_deactivate(
        activation=activation, deactivated_at=outage.ended_at + timedelta(minutes=10)
    )


def _automatic_switch(triage: Workflow, outage_start: datetime, now: datetime) -> None:
    """Replay the afternoon as the beat saw it: the outage open ten minutes in, the tick,
    then the rest of the results."""
    outage = _provider_outage_of(triage, outage_start)
    if outage is None:
        return
    tick = outage_start + timedelta(minutes=11)
    workflow_derive_outages(workflow_id=triage.pk, now=tick)
    activated = fallbacks_auto_activate(now=tick)
    workflow_derive_outages(workflow_id=triage.pk, now=now)
    for automatic in activated:
        automatic.refresh_from_db()
        fallback_deactivate(
            activation=automatic, deactivated_at=automatic.outage.ended_at + timedelta(minutes=5)
        )
