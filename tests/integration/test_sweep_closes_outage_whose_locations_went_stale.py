"""The sweep, run by the real worker, ends an open outage once its results stopped coming."""

from datetime import timedelta

import pytest
from django.utils import timezone

from continuity.models import Workflow
from incidents import services
from incidents.models import EvidenceRole, NoDataSpan, Outage, Probe, ProbeResult
from incidents.tasks import sweep_derivations

pytestmark = pytest.mark.integration

LOCATIONS = ("eu-west", "us-east", "ap-south")
INTERVAL = timedelta(seconds=60)


def test_sweep_closes_outage_whose_locations_went_stale(monitored, worker, task_result):
    customer, workflow, probe, key = monitored
    # Every location up from -30 min, down from -25 min, last result (down) at -10 min.
    last = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    first_down = last - timedelta(minutes=15)
    times = [last - timedelta(minutes=m) for m in range(20, -1, -1)]
    ProbeResult.objects.bulk_create(
        ProbeResult(
            probe=probe,
            location=location,
            observed_at=at,
            outcome="down" if at >= first_down else "up",
        )
        for at in times
        for location in LOCATIONS
    )
    Probe.objects.filter(pk=probe.pk).update(last_observed_at=last)
    # A derivation ran while the results still came in: the outage is open.
    services.workflow_derive_outages(workflow_id=workflow.pk, now=last + INTERVAL)
    outage = Outage.objects.get(workflow=workflow)
    assert (outage.started_at, outage.ended_at) == (first_down, None)

    assert task_result(sweep_derivations.delay(), timeout=60) == 1

    # Every location is stale from its last result + 3 x interval: no quorum of failing
    # locations is left, so the outage ends there, without closing evidence (no recovery
    # was observed), and the workflow has no data from then on.
    outage.refresh_from_db()
    stale_from = last + 3 * INTERVAL
    assert (outage.started_at, outage.ended_at) == (first_down, stale_from)
    assert outage.severity == "down"
    evidence = outage.evidence_links.values_list("role", "result__location", "result__observed_at")
    assert set(evidence) == {(EvidenceRole.OPENING, location, first_down) for location in LOCATIONS}
    no_data = NoDataSpan.objects.filter(workflow=workflow).values_list("started_at", "ended_at")
    assert list(no_data) == [(stale_from, None)]
    workflow = Workflow.objects.get(pk=workflow.pk)
    assert workflow.current_state == "no_data"
    assert workflow.derived_at > stale_from
    assert Outage.objects.filter(workflow=workflow).count() == 1
