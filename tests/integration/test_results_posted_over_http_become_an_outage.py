"""Probe results POSTed to gunicorn are derived by a real Celery worker into an Outage."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from continuity.models import Workflow
from incidents.models import EvidenceRole, Outage, Probe
from tests.integration.helpers import (
    client_for,
    derivation_results,
    post_results,
    result,
    stored_task_results,
)
from tests.live import wait_until

pytestmark = pytest.mark.integration

TICKS = 20  # one result per location per minute, the last ones less than a minute ago
EU_DOWN = range(5, 10)  # eu-west: 5 consecutive downs at ticks 5..9, up from tick 10
US_DOWN = range(6, 11)  # us-east: 5 consecutive downs at ticks 6..10, up from tick 11
OFFSETS = {"eu-west": 0, "us-east": 20, "ap-south": 40}  # seconds into each minute


def test_results_posted_over_http_become_an_outage(wsgi_server, worker, monitored, broker_url):
    customer, workflow, probe, key = monitored
    t0 = (timezone.now() - timedelta(minutes=TICKS)).replace(microsecond=0)

    def at(location: str, tick: int):
        return t0 + timedelta(minutes=tick, seconds=OFFSETS[location])

    def outcome(location: str, tick: int) -> str:
        down = {"eu-west": EU_DOWN, "us-east": US_DOWN}.get(location, ())
        return "down" if tick in down else "up"

    client = client_for(wsgi_server, key)
    # As probe agents do: one small batch per minute, each queueing one derivation.
    for tick in range(TICKS):
        batch = [
            result(probe, location, at(location, tick), outcome(location, tick))
            for location in OFFSETS
        ]
        assert post_results(client, batch) == {"accepted": 3, "duplicates": 0}

    # A batch queues a derivation unless one is already queued and not yet started, so the
    # worker runs at most one per batch; done when nothing is left flagged.
    wait_until(
        lambda: (
            not Probe.objects.filter(pk=probe.pk, derivation_pending=True).exists()
            and Outage.objects.filter(workflow=workflow).exclude(ended_at=None).exists()
        ),
        timeout=60,
        interval=0.2,
        message=lambda: f"derivations; stored so far: {stored_task_results(broker_url)}",
    )
    time.sleep(1)  # the derivation that cleared the last flags finishes its transaction
    done = derivation_results(broker_url)
    assert 1 <= len(done) <= TICKS
    assert {r["workflow"] for r in done} == {workflow.pk}

    # The probe is down while 2 of 3 locations fail: from us-east's first down of its
    # confirming run (eu-west already failing) to eu-west's first up.
    expected_start = at("us-east", US_DOWN[0])
    expected_end = at("eu-west", EU_DOWN[-1] + 1)
    outage = Outage.objects.get(workflow=workflow)
    assert (outage.started_at, outage.ended_at) == (expected_start, expected_end)
    assert outage.severity == "down"
    assert outage.source == "probe"
    assert list(outage.probes.values_list("pk", flat=True)) == [probe.pk]

    evidence = {
        (link.role, link.result.location, link.result.observed_at, link.result.outcome)
        for link in outage.evidence_links.select_related("result")
    }
    assert evidence == {
        (EvidenceRole.OPENING, "eu-west", at("eu-west", EU_DOWN[0]), "down"),
        (EvidenceRole.OPENING, "us-east", at("us-east", US_DOWN[0]), "down"),
        (EvidenceRole.CLOSING, "eu-west", at("eu-west", EU_DOWN[-1] + 1), "up"),
    }
    assert Probe.objects.get(pk=probe.pk).derivation_pending is False
    assert Workflow.objects.get(pk=workflow.pk).current_state == "up"

    # And the API shows it to the customer's own key.
    response = client.get("/api/v1/outages/", params={"customer": customer.slug})
    assert response.status_code == 200, response.text
    listed = response.json()["results"]
    assert [item["id"] for item in listed] == [outage.pk]
    assert parse_datetime(listed[0]["started_at"]) == expected_start
    assert parse_datetime(listed[0]["ended_at"]) == expected_end
    assert listed[0]["severity"] == "down"
    assert listed[0]["duration_seconds"] == (expected_end - expected_start).total_seconds()

    detail = client.get(f"/api/v1/outages/{outage.pk}/")
    assert detail.status_code == 200, detail.text
    assert {(item["role"], item["location"]) for item in detail.json()["evidence"]} == {
        ("opening", "eu-west"),
        ("opening", "us-east"),
        ("closing", "eu-west"),
    }
    client.close()
