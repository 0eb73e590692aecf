import pytest

from continuity.models import Customer, Workflow
from incidents.models import Probe

pytestmark = pytest.mark.django_db


def test_staff_creates_customer_workflow_and_probe(staff_client):
    customer = staff_client.post(
        "/api/v1/customers/",
        {
            "slug": "acme",
            "name": "Acme",
            "timezone": "Europe/Berlin",
            "report_recipients": ["ops@acme.example"],
        },
        format="json",
    )
    assert customer.status_code == 201, customer.json()
    workflow = staff_client.post(
        "/api/v1/workflows/",
        {
            "customer": "acme",
            "name": "Support chatbot",
            "criticality": 1,
            "cost_per_minute": "12.50",
            "currency": "eur",
            "users_affected": 400,
            "rto_minutes": 15,
            "upstream_dependency": "OpenAI API",
        },
        format="json",
    )
    assert workflow.status_code == 201, workflow.json()
    body = workflow.json()
    assert body["customer"] == customer.json()["id"]
    assert body["cost_per_minute"] == "12.50"
    assert body["currency"] == "EUR"
    probe = staff_client.post(
        "/api/v1/probes/",
        {
            "workflow": body["id"],
            "name": "chat completions",
            "kind": "external",
            "target": "https://api.example/v1/chat",
            "interval_seconds": 60,
            "timeout_ms": 5000,
            "locations": ["eu-west", "us-east", "ap-south"],
            "expected_status": [200],
        },
        format="json",
    )
    assert probe.status_code == 201, probe.json()
    assert probe.json()["quorum"] == 2  # majority of three by default
    assert probe.json()["failure_threshold"] == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"slug": "x", "name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"slug": "x", "name": "X", "report_recipients": ["not-an-email"]}, "report_recipients"),
        ({"name": "X"}, "slug"),
    ],
)
def test_bad_customer_is_rejected(staff_client, payload, field):
    response = staff_client.post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists()


def test_bad_probe_is_rejected(staff_client, customer):
    workflow = Workflow.objects.create(customer=customer, name="W")
    response = staff_client.post(
        "/api/v1/probes/",
        {"workflow": workflow.pk, "name": "p", "locations": ["a", "b"], "quorum": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "quorum" in response.json()
    assert not Probe.objects.exists()


def test_workflow_criticality_out_of_range_is_rejected(staff_client, customer):
    response = staff_client.post(
        "/api/v1/workflows/",
        {"customer": customer.pk, "name": "W", "criticality": 4},
        format="json",
    )
    assert response.status_code == 400
    assert "criticality" in response.json()


@pytest.mark.parametrize("resource", ["workflows", "probes", "outages"])
def test_lists_filter_by_customer_slug_or_id(staff_client, resource):
    from datetime import UTC, datetime

    from incidents.models import Outage
    from tests.factories import ProbeFactory

    probes = [ProbeFactory(), ProbeFactory()]
    for probe in probes:
        Outage.objects.create(
            workflow=probe.workflow,
            started_at=datetime(2026, 9, 1, tzinfo=UTC),
            severity="down",
            source="manual",
        )
    customer = probes[0].workflow.customer
    for ref in (customer.slug, str(customer.pk)):
        rows = staff_client.get(f"/api/v1/{resource}/?customer={ref}").json()["results"]
        assert len(rows) == 1
