"""The derivation sweep's last outcome is stored, so any process's `/metrics` shows it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from continuity.models import EventEndpoint
from incidents.models import SweepRun
from incidents.services import workflows_derive_pending
from reports.tasks import sweep_alerts
from tests.factories import CustomerFactory, ProbeFactory
from tests.incidents.test_sweep_goes_on_past_a_workflow_that_fails import (
    NOW,
    break_with,
    ingest_an_outage,
)
from tests.metrics.scrape import names, scrape

pytestmark = pytest.mark.django_db

DERIVATION = frozenset({("sweep", "derivation")})


def repair(probe) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_proberesult WHERE probe_id = %s", [probe.pk])
        cursor.execute(
            "UPDATE incidents_probe SET derivation_pending = false,"
            " derivation_pending_since = NULL WHERE id = %s",
            [probe.pk],
        )


def test_no_sweep_yet_no_sweep_samples(web, metrics_token):
    found = scrape(web)
    assert "continuity_sweep_failures" not in names(found)
    assert "continuity_derivation_lag_seconds" in names(found)


@time_machine.travel(NOW, tick=False)
def test_failures_of_the_last_sweep_and_when_it_ran(web, metrics_token):
    probes = [ProbeFactory(locations=["eu-west"], failure_threshold=1) for _ in range(3)]
    for probe in probes:
        ingest_an_outage(probe)
    break_with(probes[0], "0001-01-01T00:00:00+01:00")
    workflows_derive_pending(now=NOW)
    repair(probes[0])  # the stored outcome outlives the cause until the next sweep

    found = scrape(web)
    assert found["continuity_sweep_failures", DERIVATION] == 1
    assert found["continuity_sweep_last_run_timestamp_seconds", DERIVATION] == NOW.timestamp()
    assert SweepRun.objects.get(name="derivation").failed_ids == [probes[0].workflow_id]

    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        workflows_derive_pending(now=later)
    found = scrape(web)
    assert found["continuity_sweep_failures", DERIVATION] == 0
    assert found["continuity_sweep_last_run_timestamp_seconds", DERIVATION] == later.timestamp()


@time_machine.travel(NOW, tick=False)
def test_the_alert_sweep_reports_too_and_the_admin_lists_both(web, metrics_token, admin_client):
    EventEndpoint.objects.create(customer=CustomerFactory(), url="https://hooks.example/")
    workflows_derive_pending(now=NOW)
    assert sweep_alerts() == {"workflows": 0, "emitted": 0, "failed": 0}
    found = scrape(web)
    alerts = frozenset({("sweep", "alerts")})
    assert found["continuity_sweep_failures", alerts] == 0
    assert found["continuity_sweep_last_run_timestamp_seconds", alerts] == NOW.timestamp()
    page = admin_client.get("/admin/incidents/sweeprun/").content.decode()
    assert "derivation" in page and "alerts" in page
