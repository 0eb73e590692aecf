"""A stored row that breaks one workflow's derivation cannot stall the sweep for the others.

The bad rows are written with SQL, as they were stored before times were range-checked:
a year-1 time with a positive offset is a BC instant Python cannot read back; a year-1
UTC time used to overflow `derivation_window_start`.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from continuity.models import Workflow
from incidents.ingest.services import probe_results_ingest
from incidents.models import Outage, Probe, ProbeResult
from incidents.services import derivation_window_start, workflows_derive_pending
from incidents.tasks import sweep_derivations
from tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(hours=2)
EARLIEST = datetime.min.replace(tzinfo=UTC)


def ingest_an_outage(probe) -> None:
    """Ten minutes down in an hour of results; left pending, as if the broker were down."""
    items = [
        {
            "probe": probe.pk,
            "location": location,
            "observed_at": (START + timedelta(minutes=minute)).isoformat(),
            "outcome": "down" if 20 <= minute < 30 else "up",
        }
        for minute in range(60)
        for location in probe.locations
    ]
    probe_results_ingest(items=items, customer_id=None, now=NOW)


def break_with(probe, observed_at: str) -> None:
    """Move one of the probe's results to `observed_at`, bypassing every check."""
    result = ProbeResult.objects.filter(probe=probe).order_by("observed_at").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_proberesult SET observed_at = %s WHERE id = %s",
            [observed_at, result.pk],
        )
        cursor.execute(
            "UPDATE incidents_probe SET derivation_pending = true,"
            " derivation_pending_since = %s WHERE id = %s",
            [observed_at, probe.pk],
        )


@pytest.fixture
def probes():
    """Three workflows; the first one (swept first) is the broken one."""
    probes = [ProbeFactory(locations=["eu-west"], failure_threshold=1) for _ in range(3)]
    for probe in probes:
        ingest_an_outage(probe)
    return probes


def test_an_unreadable_row_fails_its_workflow_only(probes, caplog):
    broken, *healthy = probes
    break_with(broken, "0001-01-01T00:00:00+01:00")
    with caplog.at_level(logging.ERROR, logger="incidents.services.derive"):
        summary = workflows_derive_pending(now=NOW)
    assert summary.swept == 3
    assert summary.failed_workflow_ids == (broken.workflow_id,)
    assert summary.failures == 1
    for probe in healthy:
        assert Outage.objects.filter(workflow_id=probe.workflow_id).count() == 1
        assert Workflow.objects.get(pk=probe.workflow_id).derived_at == NOW
    assert Workflow.objects.get(pk=broken.workflow_id).derived_at is None
    pending = Probe.objects.filter(pk=broken.pk).values_list("derivation_pending", flat=True)
    assert pending.get()  # the next sweep tries again
    [record] = caplog.records
    assert f"workflow {broken.workflow_id}" in record.getMessage()


def test_the_sweep_task_derives_the_others_and_counts_what_it_swept(probes):
    broken, *healthy = probes
    break_with(broken, "0001-01-01T00:00:00+01:00")
    assert sweep_derivations() == 3
    for probe in healthy:
        assert Outage.objects.filter(workflow_id=probe.workflow_id).count() == 1


def test_a_year_one_utc_result_no_longer_overflows_the_window(probes):
    broken, *healthy = probes
    break_with(broken, "0001-01-01T00:00:00Z")
    summary = workflows_derive_pending(now=NOW)
    assert summary.failures == 0
    for probe in probes:
        assert Workflow.objects.get(pk=probe.workflow_id).derived_at == NOW


def test_derivation_window_start_at_the_earliest_time_is_the_whole_history(probes):
    probe = probes[0]
    workflow = probe.workflow
    workflow.derived_at = NOW
    assert derivation_window_start(workflow, [probe], {probe.pk: EARLIEST}, NOW) is None
