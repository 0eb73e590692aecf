"""A scrape reads in a fixed number of queries, whatever the number of customers,
workflows, outages, fallbacks, maintenance windows and probes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuity.models import FallbackActivation, Runbook
from incidents.models import MaintenanceWindow, Outage, ProbeResult
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory
from tests.metrics.scrape import samples

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


def seed(n: int) -> None:
    for i in range(n):
        customer = CustomerFactory(timezone=["UTC", "Asia/Shanghai", "America/New_York"][i % 3])
        workflow = WorkflowFactory(customer=customer)
        probe = ProbeFactory(workflow=workflow, kind="http", locations=[f"loc-{i}"])
        ProbeResult.objects.create(probe=probe, location=f"loc-{i}", observed_at=NOW, outcome="up")
        Outage.objects.create(
            workflow=workflow,
            started_at=NOW - timedelta(days=2, hours=i),
            ended_at=NOW - timedelta(days=2),
            severity="degraded",
            source="manual",
        )
        open_outage = Outage.objects.create(
            workflow=workflow, started_at=NOW - timedelta(minutes=i + 5), severity="down"
        )
        runbook = Runbook.objects.create(workflow=workflow, title=f"Fallback {i}")
        FallbackActivation.objects.create(
            outage=open_outage, runbook=runbook, runbook_version=1, activated_at=NOW
        )
        window = MaintenanceWindow.objects.create(
            customer=customer, starts_at=NOW - timedelta(days=1), ends_at=NOW, reason="upgrade"
        )
        window.workflows.add(workflow)


def scrape_queries(web, token: str) -> tuple[int, int]:
    """Queries of one scrape, and how many workflows it reported."""
    with CaptureQueriesContext(connection) as ctx:
        response = web.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    found = samples(response.content.decode())
    workflows = sum(1 for name, _ in found if name == "continuity_workflow_state")
    return len(ctx.captured_queries), workflows


def test_query_count_is_the_same_for_two_and_for_twelve_workflows(web, metrics_token):
    with time_machine.travel(NOW, tick=False):
        seed(2)
        small, two = scrape_queries(web, metrics_token)
        seed(10)
        large, twelve = scrape_queries(web, metrics_token)
    assert (two, twelve) == (2, 12)
    assert large == small
    assert large <= 16
