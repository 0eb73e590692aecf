"""The ingest endpoint takes every batch SPEC allows (5,000 results, long error texts);
a body over an endpoint's limit is the API's JSON 413, never Django's HTML 400."""

import json
from datetime import timedelta

import pytest
from django.conf import settings

from incidents.models import ProbeResult
from tests.factories import BASE_TIME, ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/probe-results/"


def batch(probe, count: int, error: str) -> dict:
    return {
        "results": [
            {
                "probe": probe.pk,
                "location": "eu-west",
                "observed_at": (BASE_TIME + timedelta(seconds=i)).isoformat(),
                "outcome": "down",
                "latency_ms": 30_000,
                "status_code": 503,
                "error": error,
                "id": f"agent-7f3a9c-eu-west-{i:06d}-" + "x" * 60,
            }
            for i in range(count)
        ]
    }


@pytest.fixture
def probe(customer):
    return ProbeFactory(workflow=WorkflowFactory(customer=customer))


def test_a_full_batch_with_long_error_texts_is_accepted(customer_client, probe):
    body = batch(probe, settings.PROBE_RESULT_MAX_BATCH, "upstream said: " + "é" * 1985)
    assert len(json.dumps(body).encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = customer_client.post(URL, body, format="json")

    assert response.status_code == 201, response.content[:300]
    assert response.json() == {"accepted": 5000, "duplicates": 0}
    assert ProbeResult.objects.count() == 5000


def test_an_ingest_body_over_its_limit_is_a_json_413(customer_client, probe, settings):
    settings.PROBE_RESULT_MAX_BODY_BYTES = 50_000

    response = customer_client.post(URL, batch(probe, 40, "e" * 2000), format="json")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than this endpoint's 50,000 bytes."
    }
    assert not ProbeResult.objects.exists()


def test_another_endpoint_keeps_djangos_limit_and_answers_json_413(staff_client):
    body = {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}

    response = staff_client.post("/api/v1/workflows/", body, format="json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is larger than this endpoint's 2,621,440 bytes."
    }
