"""A big batch queues one derivation per workflow it touches, counted on the real broker."""

import ast
from datetime import timedelta

import pytest
from django.utils import timezone

from continuity.models import Workflow
from incidents.models import Probe
from tests import live
from tests.factories import ProbeFactory, WorkflowFactory
from tests.integration.helpers import (
    DERIVE_TASK,
    client_for,
    derivation_results,
    post_results,
    queued_tasks,
    result,
    stored_task_results,
)

pytestmark = pytest.mark.integration

LOCATIONS = ("eu-west", "us-east", "ap-south")
PER_PROBE = 500


def test_ingest_batch_queues_one_derivation_per_workflow(
    live_env, wsgi_server, monitored, broker_url
):
    customer, first_workflow, first_probe, key = monitored
    second_workflow = WorkflowFactory(customer=customer)
    probes = [
        first_probe,
        ProbeFactory(workflow=first_workflow, locations=list(LOCATIONS)),
        ProbeFactory(workflow=second_workflow, locations=list(LOCATIONS)),
        ProbeFactory(workflow=second_workflow, locations=list(LOCATIONS)),
    ]
    now = timezone.now().replace(microsecond=0)
    # Per probe: a result every 20 s round the three locations (each one every minute),
    # the last one 20 s ago; one short down run per probe.
    batch = [
        result(
            probe,
            LOCATIONS[i % 3],
            now - timedelta(seconds=20 * (PER_PROBE - i)),
            "down" if 200 <= i < 212 else "up",
            latency_ms=100 + i % 50,
            id=f"{probe.pk}-{i}",
        )
        for probe in probes
        for i in range(PER_PROBE)
    ]
    assert len(batch) == 2_000

    # No worker yet: whatever the POST queued stays on the broker to be counted.
    with client_for(wsgi_server, key) as client:
        assert post_results(client, batch) == {"accepted": 2_000, "duplicates": 0}
        queued = [m for m in queued_tasks(broker_url) if m["task"] == DERIVE_TASK]
        assert len(queued) == 2, queued
        workflow_ids = sorted(ast.literal_eval(message["argsrepr"])[0] for message in queued)
        assert workflow_ids == sorted([first_workflow.pk, second_workflow.pk])
        assert Probe.objects.filter(derivation_pending=True).count() == 4

        # Re-sending the same ids stores nothing and queues nothing.
        assert post_results(client, batch) == {"accepted": 0, "duplicates": 2_000}
        assert [m["task"] for m in queued_tasks(broker_url)].count(DERIVE_TASK) == 2

    # A worker started now drains exactly those two derivations.
    with live.celery_worker(live_env):
        done = live.wait_until(
            lambda: len(found := derivation_results(broker_url)) >= 2 and found,
            timeout=60,
            message=lambda: f"the 2 queued derivations to run: {stored_task_results(broker_url)}",
        )
        assert sorted(r["workflow"] for r in done) == workflow_ids
        assert queued_tasks(broker_url) == []

    assert not Probe.objects.filter(derivation_pending=True).exists()
    assert Workflow.objects.filter(pk__in=workflow_ids, derived_at__isnull=False).count() == 2
