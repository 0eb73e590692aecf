"""The live part of the demo: a workflow probed for real, on the simulated AI provider.

`make serve` runs the simulated provider (console/simulated_provider.py) on loopback and a
prober worker for the location ``local``; these probes watch it every 10 seconds. When it
fails (`make demo-outage`), the outage opens within seconds, the runbook activates its
fallback at once, Northwind is emailed and its webhook endpoint (the provider's own
``/hooks``) gets the events.
"""

from decimal import Decimal

from continuity.models import Customer, EventEndpoint, Runbook, RunbookStep, Workflow
from incidents.models import Probe

LIVE_WORKFLOW = "Live assistant (simulated AI)"
LIVE_LOCATION = "local"
LIVE_INTERVAL_SECONDS = 10


def add_live_workflow(*, customer: Customer, provider_url: str) -> Workflow:
    """The workflow, its two probes, an auto-activating runbook and a webhook endpoint.

    Created after the history is loaded: outage emails are switched on for the customer
    and the endpoint added only now, so the simulated past owes nobody a message.
    """
    base = provider_url.rstrip("/")
    workflow = Workflow.objects.create(
        customer=customer,
        name=LIVE_WORKFLOW,
        criticality=1,
        cost_per_minute=Decimal("45.00"),
        currency="EUR",
        users_affected=1200,
        rto_minutes=5,
        upstream_dependency="Simulated AI provider",
    )
    common = {
        "workflow": workflow,
        "interval_seconds": LIVE_INTERVAL_SECONDS,
        "timeout_ms": 5000,
        "locations": [LIVE_LOCATION],
        "quorum": 1,
        "failure_threshold": 2,
        "recovery_threshold": 1,
    }
    Probe.objects.create(
        name="Chat completions (streamed)",
        kind="llm",
        target=f"{base}/v1",
        llm_model="gpt-sim",
        llm_max_tokens=8,
        degraded_latency_ms=2000,
        **common,
    )
    Probe.objects.create(
        name="Provider status page",
        kind="statuspage",
        target=base,
        statuspage_component="Chat Completions",
        **common,
    )
    runbook = Runbook.objects.create(
        workflow=workflow,
        title="Serve answers from the cached FAQ",
        fallback_strategy="Degraded mode: the assistant answers from the cached FAQ only.",
        auto_activate_after_minutes=0,
        default_effectiveness_pct=Decimal("50"),
    )
    RunbookStep.objects.create(
        runbook=runbook, order=1, title="Switch to the FAQ mode", owner_role="automation"
    )
    EventEndpoint.objects.create(customer=customer, url=f"{base}/hooks")
    Customer.objects.filter(pk=customer.pk).update(notify_outage_emails=True)
    return workflow
