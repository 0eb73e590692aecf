"""A simulated month for the demo: customers whose workflows depend on an AI provider.

October 2026, probes every 5 minutes from two or three locations. The upstream
"OpenAI API" has a multi-hour outage on 14 October seen by every customer depending on
it; there are shorter blips, a latency-degraded episode, a location that goes stale and
a one-location failure that (correctly) opens no outage, and a workflow onboarded on 20
October whose SLA starts that day. Deterministic: same data on every run.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Min

from continuity.models import CreditTier, Customer, Runbook, RunbookStep, SLAPolicy, Workflow
from incidents.models import MaintenanceWindow, Probe, ProbeResult
from incidents.services import workflow_derive_outages
from incidents.services.fallbacks import (
    fallback_activate,
    fallback_deactivate,
    fallbacks_auto_activate,
    step_complete,
)

SIM_START = datetime(2026, 9, 30, 0, 0, tzinfo=UTC)
SIM_END = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
PROVIDER_OUTAGE = (
    datetime(2026, 10, 14, 13, 20, tzinfo=UTC),
    datetime(2026, 10, 14, 17, 5, tzinfo=UTC),
)


@dataclass(frozen=True)
class Disturbance:
    """Results inside [start, end) at the given locations (all when empty) read `outcome`."""

    start: datetime
    end: datetime
    outcome: str
    locations: tuple[str, ...] = ()
    latency_ms: int | None = None
    silent: bool = False  # no results at all: the location goes stale


@dataclass
class WorkflowPlan:
    name: str
    criticality: int
    cost_per_minute: str
    users_affected: int
    rto_minutes: int
    upstream: str
    locations: tuple[str, ...]
    degraded_latency_ms: int | None = 2500
    disturbances: list[Disturbance] = field(default_factory=list)
    onboarded: datetime = SIM_START  # when its probe is created and first reports
    sla_effective_from: datetime | None = None


@dataclass
class CustomerPlan:
    slug: str
    name: str
    timezone: str
    currency: str
    recipients: list[str]
    workflows: list[WorkflowPlan]
    locale: str = "en"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def provider_outage() -> Disturbance:
    return Disturbance(*PROVIDER_OUTAGE, outcome="down")


def blip(day: int, hour: int, minute: int, length_minutes: int) -> Disturbance:
    start = at(day, hour, minute)
    return Disturbance(start, start + timedelta(minutes=length_minutes), outcome="down")


def plans() -> list[CustomerPlan]:
    eu = ("eu-west", "eu-central", "us-east")
    asia = ("ap-east", "ap-southeast", "eu-west")
    us = ("us-east", "us-west")
    return [
        CustomerPlan(
            slug="northwind",
            name="Northwind Retail GmbH",
            timezone="Europe/Berlin",
            locale="de",
            currency="EUR",
            recipients=["sla@northwind.example", "cto@northwind.example"],
            workflows=[
                WorkflowPlan(
                    "Support chatbot",
                    1,
                    "45.00",
                    1200,
                    15,
                    "OpenAI API",
                    eu,
                    disturbances=[provider_outage(), blip(3, 9, 10, 20), blip(22, 18, 0, 10)],
                ),
                WorkflowPlan(
                    "Product description pipeline",
                    2,
                    "8.50",
                    40,
                    120,
                    "OpenAI API",
                    eu,
                    disturbances=[provider_outage()],
                ),
                WorkflowPlan(
                    "Order API",
                    1,
                    "120.00",
                    5000,
                    10,
                    "Own backend",
                    eu,
                    disturbances=[
                        blip(9, 2, 30, 15),
                        # Only one location fails: below quorum, so no outage.
                        Disturbance(at(17, 11), at(17, 12), "down", locations=("us-east",)),
                    ],
                ),
            ],
        ),
        CustomerPlan(
            slug="kaiyuan",
            name="开元物流 Kaiyuan Logistics",
            timezone="Asia/Shanghai",
            locale="zh-hans",
            currency="CNY",
            recipients=["ops@kaiyuan.example"],
            workflows=[
                WorkflowPlan(
                    "Invoice OCR 发票识别",
                    1,
                    "60.00",
                    300,
                    30,
                    "Azure OpenAI",
                    asia,
                    disturbances=[
                        blip(6, 1, 0, 25),
                        # ap-east stops reporting for six hours: a stale location.
                        Disturbance(at(8, 2), at(8, 8), "up", locations=("ap-east",), silent=True),
                    ],
                ),
                WorkflowPlan(
                    "客服机器人 Customer service bot",
                    1,
                    "35.00",
                    800,
                    20,
                    "OpenAI API",
                    asia,
                    disturbances=[provider_outage(), blip(27, 3, 15, 12)],
                ),
            ],
        ),
        CustomerPlan(
            slug="lumen",
            name="Lumen Health Inc.",
            timezone="America/New_York",
            currency="USD",
            recipients=["it-ops@lumen.example"],
            workflows=[
                WorkflowPlan(
                    "Triage assistant",
                    1,
                    "90.00",
                    2500,
                    15,
                    "OpenAI API",
                    us,
                    disturbances=[
                        provider_outage(),
                        # The provider crawls: answers, but slowly (degraded).
                        Disturbance(at(21, 9), at(21, 9, 40), "up", latency_ms=4200),
                    ],
                ),
                WorkflowPlan(
                    "Data analysis notebooks",
                    3,
                    "5.00",
                    60,
                    240,
                    "OpenAI API",
                    us,
                    disturbances=[provider_outage(), blip(12, 20, 0, 30)],
                ),
                WorkflowPlan(
                    "Patient portal",
                    1,
                    "150.00",
                    9000,
                    10,
                    "Own backend",
                    us,
                    disturbances=[blip(19, 6, 45, 8)],
                ),
                # Onboarded mid-month: the SLA starts at local midnight, the probe reports
                # from 09:00 local, so the morning before it is no data.
                WorkflowPlan(
                    "Claims intake assistant",
                    2,
                    "25.00",
                    400,
                    30,
                    "OpenAI API",
                    us,
                    disturbances=[blip(28, 15, 0, 20)],
                    onboarded=at(20, 13),
                    sla_effective_from=at(20, 4),
                ),
            ],
        ),
    ]


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


def simulated_results(probe: Probe, plan: WorkflowPlan, seed: int) -> Iterator[ProbeResult]:
    rng = random.Random(seed)
    for index, location in enumerate(plan.locations):
        offset = timedelta(seconds=7 * index + 3)
        instant = plan.onboarded
        while instant < SIM_END:
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


def add_maintenance(customer: Customer) -> None:
    if customer.slug != "northwind":
        return
    window = MaintenanceWindow.objects.create(
        customer=customer,
        starts_at=at(9, 2, 0),
        ends_at=at(9, 3, 0),
        reason="Order database failover test",
    )
    window.workflows.set(customer.workflows.filter(name="Order API"))


def load() -> list[Customer]:
    """Create the demo customers, workflows and probes and their month of results."""
    customers = []
    seed = 0
    policy_for = policies()
    for customer_plan in plans():
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
            ProbeResult.objects.bulk_create(simulated_results(probe, plan, seed), batch_size=5000)
            first = ProbeResult.objects.filter(probe=probe).aggregate(Min("observed_at"))
            Probe.objects.filter(pk=probe.pk).update(
                derivation_pending=True,
                first_observed_at=first["observed_at__min"],
                last_observed_at=SIM_END - STEP,
            )
            Probe.objects.filter(pk=probe.pk).update(created_at=plan.onboarded)
        add_maintenance(customer)
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


def add_runbooks_and_fallbacks() -> None:
    """During the provider outage: Northwind switches by hand after 12 minutes, Lumen's
    triage assistant switches automatically after 10, Kaiyuan has no fallback."""
    outage_start = PROVIDER_OUTAGE[0]
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
        last_tested_at=datetime(2026, 9, 18, 10, 0, tzinfo=UTC),
    )
    outage = chatbot.outages.get(
        started_at__lte=outage_start + timedelta(minutes=5), ended_at__gt=outage_start
    )
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

    triage = Workflow.objects.get(customer__slug="lumen", name="Triage assistant")
    _runbook(
        triage,
        "Nurse hotline takes over triage",
        "Offline procedure: the assistant is hidden and patients are sent to the nurse hotline.",
        [("Hide the assistant", "automation", 0), ("Staff the hotline", "nursing lead", 10)],
        auto_activate_after_minutes=10,
        default_effectiveness_pct=Decimal("60"),
    )
    # Replay the afternoon as the beat saw it: the outage open ten minutes in, the tick, then
    # the rest of the results.
    tick = outage_start + timedelta(minutes=11)
    workflow_derive_outages(workflow_id=triage.pk, now=tick)
    [automatic] = fallbacks_auto_activate(now=tick)
    workflow_derive_outages(workflow_id=triage.pk, now=SIM_END)
    automatic.refresh_from_db()
    fallback_deactivate(
        activation=automatic, deactivated_at=automatic.outage.ended_at + timedelta(minutes=5)
    )

    _runbook(
        Workflow.objects.get(customer__slug="lumen", name="Patient portal"),
        "Static maintenance page",
        "Serve the static status page; appointments by phone.",
        [("Switch DNS to the static page", "SRE", 5)],
    )
