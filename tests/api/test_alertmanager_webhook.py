"""Alertmanager webhooks: firing → down, resolved → up, idempotent, ingest key, tenant-scoped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Outage, ProbeResult
from tests.factories import ProbeFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/alertmanager/"


def am_time(at) -> str:
    """Alertmanager's timestamps carry nanoseconds."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def alert(probe, status: str, starts, ends=None, **labels) -> dict:
    return {
        "status": status,
        "labels": {
            "alertname": "VendorAPIDown",
            "continuity_probe": str(probe.pk),
            "severity": "page",
            **labels,
        },
        "annotations": {"summary": "vendor API answers 5xx"},
        "startsAt": am_time(starts),
        "endsAt": am_time(ends) if ends else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "c0ffee1234567890",
    }


def payload(*alerts) -> dict:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="VendorAPIDown"}',
        "status": alerts[0]["status"],
        "receiver": "continuity",
        "alerts": list(alerts),
    }


@pytest.fixture
def setup(customer, api):
    workflow = WorkflowFactory(customer=customer)
    probe = ProbeFactory(
        workflow=workflow,
        kind="external",
        locations=["prometheus"],
        failure_threshold=1,
        interval_seconds=3600,
    )
    return probe, api(make_key(customer=customer, scopes=("ingest",)))


def test_firing_then_resolved_opens_and_closes_an_outage(setup, django_capture_on_commit_callbacks):
    probe, client = setup
    started = (timezone.now() - timedelta(minutes=30)).replace(microsecond=500000)
    ended = started + timedelta(minutes=12)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload(alert(probe, "firing", started)), format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"accepted": 1, "duplicates": 0, "skipped": []}
    down = ProbeResult.objects.get(probe=probe)
    assert (down.outcome, down.location, down.observed_at) == ("down", "prometheus", started)
    assert down.error == "VendorAPIDown: vendor API answers 5xx"
    assert Outage.objects.get(workflow=probe.workflow).ended_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, payload(alert(probe, "resolved", started, ended)), format="json"
        )
    assert response.json()["accepted"] == 1
    outage = Outage.objects.get(workflow=probe.workflow)
    assert (outage.started_at, outage.ended_at) == (started, ended)


def test_repeats_and_retries_store_nothing_twice(setup):
    probe, client = setup
    started = timezone.now() - timedelta(minutes=5)
    body = payload(alert(probe, "firing", started))
    assert client.post(URL, body, format="json").json()["accepted"] == 1
    assert client.post(URL, body, format="json").json() == {
        "accepted": 0,
        "duplicates": 1,
        "skipped": [],
    }
    assert ProbeResult.objects.filter(probe=probe).count() == 1


def test_location_label_and_unmapped_alerts(customer, api):
    probe = ProbeFactory(
        workflow=WorkflowFactory(customer=customer), locations=["eu-west", "us-east"]
    )
    client = api(make_key(customer=customer, scopes=("ingest",)))
    now = timezone.now() - timedelta(minutes=1)
    unlabelled = alert(probe, "firing", now)
    unlabelled["labels"].pop("continuity_probe")
    body = payload(
        alert(probe, "firing", now, continuity_location="eu-west"),
        alert(probe, "firing", now, location="us-east"),
        alert(probe, "firing", now),  # two locations and no label: cannot tell which
        alert(probe, "firing", now, continuity_location="mars"),
        unlabelled,
    )
    for index, item in enumerate(body["alerts"]):
        item["fingerprint"] = f"fp{index}"
    response = client.post(URL, body, format="json")
    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert [s["index"] for s in response.json()["skipped"]] == [2, 3, 4]
    assert set(ProbeResult.objects.values_list("location", flat=True)) == {"eu-west", "us-east"}


def test_another_customers_probe_is_unknown(setup, api):
    probe, _ = setup
    other = api(make_key(customer=WorkflowFactory().customer, scopes=("ingest",)))
    response = other.post(URL, payload(alert(probe, "firing", timezone.now())), format="json")
    assert response.status_code == 200
    assert response.json()["skipped"] == [{"index": 0, "reason": f"unknown probe {probe.pk}"}]
    assert not ProbeResult.objects.exists()


def test_needs_an_ingest_key(setup, customer, api):
    probe, _ = setup
    body = payload(alert(probe, "firing", timezone.now()))
    assert api().post(URL, body, format="json").status_code == 401
    read_only = api(make_key(customer=customer, scopes=("read",)))
    assert read_only.post(URL, body, format="json").status_code == 403


def test_malformed_payload_is_a_field_error(setup):
    _, client = setup
    response = client.post(URL, {"alerts": [{"status": "burning", "labels": {}}]}, format="json")
    assert response.status_code == 400
    assert "alerts" in response.json()
