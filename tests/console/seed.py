"""A small, realistic world for console tests: customers, workflows, probes with results,
an open outage with evidence and an update, a resolved one with a fallback, users.

Shared by the test-client tests (frozen time) and the browser tests (real time).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least

from continuity.models import (
    CreditTier,
    Customer,
    FallbackActivation,
    Runbook,
    RunbookStep,
    SLAPolicy,
    Workflow,
)
from continuity.permissions import OPERATORS_GROUP
from incidents.models import (
    MaintenanceWindow,
    Outage,
    OutageEvidence,
    OutageUpdate,
    Probe,
    ProbeResult,
)
from incidents.services.fallbacks import fallback_activate, fallback_deactivate, step_complete

PASSWORD = "console-test-pw"
LOCATIONS = ["eu-west", "us-east", "ap-south"]
ROOT_CAUSE = "Expired TLS certificate on the provider gateway"
COST_PER_MINUTE = Decimal("42.50")


@dataclass
class CustomerWorld:
    customer: Customer
    chatbot: Workflow
    backend: Workflow
    probe: Probe
    runbook: Runbook
    open_outage: Outage
    resolved_outage: Outage
    backend_probe: Probe | None = None


@dataclass
class Users:
    operator: User
    readonly: User
    outsider: User


def users() -> Users:
    group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    operator = User.objects.create_user("olga", password=PASSWORD, is_staff=True)
    operator.groups.add(group)
    readonly = User.objects.create_user("rita", password=PASSWORD, is_staff=True)
    outsider = User.objects.create_user("nils", password=PASSWORD, is_staff=False)
    return Users(operator=operator, readonly=readonly, outsider=outsider)


def _results(probe: Probe, start: datetime, end: datetime, outcome: str, step: timedelta):
    rows, at = [], start
    while at < end:
        rows += [
            ProbeResult(
                probe=probe,
                location=location,
                observed_at=at + timedelta(seconds=i * 3),
                outcome=outcome,
                latency_ms=420 if outcome == "up" else None,
                status_code=200 if outcome == "up" else 503,
                error="" if outcome == "up" else "upstream unavailable",
            )
            for i, location in enumerate(probe.locations)
        ]
        at += step
    stored = ProbeResult.objects.bulk_create(rows)
    if stored:
        first, last = Value(stored[0].observed_at), Value(stored[-1].observed_at)
        Probe.objects.filter(pk=probe.pk).update(  # as ingestion keeps them
            first_observed_at=Least(Coalesce("first_observed_at", first), first),
            last_observed_at=Greatest(Coalesce("last_observed_at", last), last),
        )
    return stored


def reported_since(probe: Probe, at: datetime) -> None:
    """One `up` result per location at `at`: the probe's monitoring began then."""
    _results(probe, at, at + timedelta(seconds=1), "up", timedelta(minutes=1))


def _runbook(workflow: Workflow) -> Runbook:
    runbook = Runbook.objects.create(
        workflow=workflow,
        title="Switch to Azure OpenAI",
        fallback_strategy="Route chat completions to the second provider.",
        default_effectiveness_pct=Decimal("80"),
        last_tested_at=None,
    )
    RunbookStep.objects.create(
        runbook=runbook, order=1, title="Flip the provider flag", owner_role="on-call SRE"
    )
    RunbookStep.objects.create(
        runbook=runbook, order=2, title="Tell support leads", owner_role="support lead"
    )
    return runbook


def customer_world(
    index: int, *, now: datetime, status_page: bool = True, open_minutes: int = 25
) -> CustomerWorld:
    """One customer: a chatbot with an open outage, a backend with a resolved one."""
    policy = SLAPolicy.objects.create(name=f"Gold {index}", target_pct=Decimal("99.900"))
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99.9"), credit_pct=Decimal("10"))
    customer = Customer.objects.create(
        slug=f"acme-{index}",
        name=f"Acme {index} GmbH",
        timezone="Europe/Berlin",
        report_recipients=[f"ops@acme-{index}.example"],
        sla_policy=policy,
        status_page_enabled=status_page,
    )
    common = {"customer": customer, "currency": "EUR", "users_affected": 300}
    chatbot = Workflow.objects.create(
        name="Support chatbot",
        upstream_dependency="OpenAI API",
        cost_per_minute=COST_PER_MINUTE,
        rto_minutes=15,
        current_state="down",
        derived_at=now,
        **common,
    )
    backend = Workflow.objects.create(
        name="Order API",
        upstream_dependency="Own backend",
        cost_per_minute=Decimal("7.25"),
        rto_minutes=30,
        current_state="up",
        derived_at=now,
        **common,
    )
    probe = Probe.objects.create(
        workflow=chatbot, name="chat endpoint", locations=LOCATIONS, interval_seconds=60
    )
    backend_probe = Probe.objects.create(
        workflow=backend, name="order health", locations=LOCATIONS[:2], interval_seconds=60
    )
    runbook = _runbook(chatbot)
    backend_runbook = _runbook(backend)

    started = now - timedelta(minutes=open_minutes)
    _results(probe, started - timedelta(minutes=20), started, "up", timedelta(minutes=1))
    down = _results(probe, started, now - timedelta(seconds=30), "down", timedelta(minutes=1))
    open_outage = Outage.objects.create(
        workflow=chatbot, started_at=started, severity="down", source="probe"
    )
    open_outage.probes.add(probe)
    OutageEvidence.objects.bulk_create(
        [OutageEvidence.copying(r, outage=open_outage, role="opening") for r in down[:2]]
    )
    OutageUpdate.objects.create(
        outage=open_outage,
        status="investigating",
        message="Chat answers fail; the provider reports elevated errors.",
        posted_at=started + timedelta(minutes=4),
    )

    resolved_start = now - timedelta(days=1, hours=3)
    resolved = Outage.objects.create(
        workflow=backend,
        started_at=resolved_start,
        ended_at=resolved_start + timedelta(minutes=40),
        severity="down",
        source="manual",
        root_cause=ROOT_CAUSE,
        summary="Orders could not be placed.",
    )
    activation = fallback_activate(
        outage=resolved,
        runbook=backend_runbook,
        activated_at=resolved_start + timedelta(minutes=10),
        activated_by="olga",
    )
    step_complete(activation=activation, order=1, completed_at=activation.activated_at)
    fallback_deactivate(activation=activation, deactivated_at=resolved.ended_at)
    OutageUpdate.objects.create(
        outage=resolved,
        status="resolved",
        message="Orders flow again.",
        posted_at=resolved.ended_at,
    )
    MaintenanceWindow.objects.create(
        customer=customer,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        reason="Database upgrade",
    )
    return CustomerWorld(
        customer=customer,
        chatbot=chatbot,
        backend=backend,
        probe=probe,
        runbook=runbook,
        open_outage=open_outage,
        resolved_outage=resolved,
        backend_probe=backend_probe,
    )


def grow(world: CustomerWorld, *, now: datetime, extra: int = 5) -> None:
    """More of everything around the same objects: results, updates, past outages."""
    for i in range(extra):
        OutageUpdate.objects.create(
            outage=world.open_outage,
            status="identified",
            message=f"Update {i}",
            posted_at=world.open_outage.started_at + timedelta(minutes=5 + i),
        )
        start = now - timedelta(days=10 + i)
        past = Outage.objects.create(
            workflow=world.chatbot,
            started_at=start,
            ended_at=start + timedelta(minutes=30),
            severity="degraded" if i % 2 else "down",
            source="probe",
        )
        FallbackActivation.objects.create(
            outage=past,
            runbook=world.runbook,
            runbook_version=1,
            runbook_snapshot={"steps": []},
            activated_at=start + timedelta(minutes=5),
            deactivated_at=start + timedelta(minutes=20),
        )
    _results(
        world.probe,
        now - timedelta(days=2),
        now - timedelta(days=1),
        "up",
        timedelta(minutes=10),
    )
