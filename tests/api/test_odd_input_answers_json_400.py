"""Input that used to crash the API is a JSON 400 naming the field, and changes nothing."""

import pytest

from continuity.models import Workflow
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/outages/?customer=²",
        "/api/v1/workflows/?customer=¹²",
        "/api/v1/reports/?customer=٣",
        "/api/v1/probes/?customer=99999999999999999999999",
    ],
)
def test_unicode_or_huge_digits_in_a_customer_filter_match_nothing(staff_client, url):
    WorkflowFactory()
    response = staff_client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


@pytest.mark.parametrize("reference", ["²", "٣", "99999999999999999999999"])
def test_unicode_digits_name_no_customer_in_sla(staff_client, reference):
    response = staff_client.get("/api/v1/sla/", {"customer": reference, "period": "2026-09"})
    assert response.status_code == 404
    assert response.json() == {"detail": f"No customer '{reference}'."}


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/outages/?since=2026-01-01T00:00:00%2B20:00", "since"),
        ("/api/v1/outages/?until=2026-01-01T00:00:00-16:00", "until"),
        ("/api/v1/probe-results/?until=2026-01-01T00:00:00-18:00", "until"),
        ("/api/v1/probe-results/?since=0001-01-01T00:00:00%2B01:00", "since"),
        ("/api/v1/maintenance-windows/?since=9999-12-31T23:00:00-05:00", "since"),
    ],
)
def test_impossible_times_in_since_and_until_are_400(staff_client, url, field):
    response = staff_client.get(url)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_a_real_utc_offset_in_since_is_accepted(staff_client):
    response = staff_client.get("/api/v1/outages/?since=2026-01-01T00:00:00%2B14:00")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_deeply_nested_json_is_400(staff_client, depth):
    body = "[" * depth + "]" * depth
    response = staff_client.post("/api/v1/workflows/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested too deeply."}
    assert not Workflow.objects.exists()


def test_deeply_nested_json_in_an_ingest_batch_is_400(customer_client):
    body = '{"results": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = customer_client.post("/api/v1/probe-results/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested too deeply."}
