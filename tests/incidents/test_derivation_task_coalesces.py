from datetime import UTC, datetime, timedelta

import pytest

from incidents.ingest.services import probe_results_ingest
from incidents.models import Outage
from incidents.tasks import derive_workflow_outages
from tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db


def test_a_queued_derivation_whose_results_were_already_derived_does_nothing():
    probe = ProbeFactory(locations=["eu-west", "us-east"], quorum=2)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    items = [
        {
            "probe": probe.pk,
            "location": location,
            "observed_at": (start + timedelta(minutes=minute)).isoformat(),
            "outcome": "down" if 3 <= minute < 8 else "up",
        }
        for minute in range(12)
        for location in ("eu-west", "us-east")
    ]
    for batch in (items[:12], items[12:]):  # two batches queue two tasks
        probe_results_ingest(items=batch, customer_id=None, now=start + timedelta(hours=1))
    first = derive_workflow_outages(probe.workflow_id)
    second = derive_workflow_outages(probe.workflow_id)
    assert first["created"] == 1
    assert second == {"workflow": probe.workflow_id, "skipped": "already derived"}
    assert Outage.objects.count() == 1
