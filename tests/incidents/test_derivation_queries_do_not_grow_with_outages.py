"""Re-deriving a window holding many unchanged outages costs the same queries as a few."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.ingest.services import probe_results_ingest
from incidents.models import Outage
from incidents.services import workflow_derive_outages
from tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(hours=12)


def items(probe, minutes, outage_every):
    """Results every minute from both locations; a 5-minute down run every `outage_every`."""
    return [
        {
            "probe": probe.pk,
            "location": location,
            "observed_at": (START + timedelta(minutes=m)).isoformat(),
            "outcome": "down" if m % outage_every < 5 and m >= outage_every else "up",
            "id": f"{location}-{m}",
        }
        for m in minutes
        for location in probe.locations
    ]


def queries_to_rederive(outages: int) -> int:
    probe = ProbeFactory(locations=["eu-west", "us-east"], quorum=2)
    every = 60
    minutes = range(1, every * (outages + 1))
    probe_results_ingest(items=items(probe, minutes, every), customer_id=None, now=NOW)
    workflow_derive_outages(workflow_id=probe.workflow_id, now=NOW)
    assert Outage.objects.filter(workflow=probe.workflow).count() == outages

    # A late result at minute 0 re-derives the whole window; every outage is unchanged.
    probe_results_ingest(items=items(probe, [0], every), customer_id=None, now=NOW)
    with CaptureQueriesContext(connection) as captured:
        workflow_derive_outages(workflow_id=probe.workflow_id, now=NOW)
    assert Outage.objects.filter(workflow=probe.workflow).count() == outages
    return len(captured.captured_queries)


def test_rederiving_many_unchanged_outages_runs_no_more_queries_than_a_few():
    assert queries_to_rederive(outages=8) == queries_to_rederive(outages=2)
