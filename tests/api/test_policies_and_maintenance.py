from decimal import Decimal

import pytest

from continuity.models import SLAPolicy
from incidents.models import MaintenanceWindow
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def test_policy_with_nested_tiers_round_trips(customer_client):
    response = customer_client.post(
        "/api/v1/sla-policies/",
        {
            "name": "Gold",
            "target_pct": "99.950",
            "degraded_weight": "0.5",
            "min_outage_seconds": 120,
            "no_data": "down",
            "credit_tiers": [
                {"below_pct": "99.0", "credit_pct": "25"},
                {"below_pct": "99.95", "credit_pct": "10"},
            ],
            "service_hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = customer_client.get(f"/api/v1/sla-policies/{response.json()['id']}/").json()
    assert body["target_pct"] == "99.950"
    assert [t["below_pct"] for t in body["credit_tiers"]] == ["99.950", "99.000"]
    assert body["service_hours"] == [{"weekday": 0, "start": "09:00", "end": "17:00"}]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"target_pct": "100.5"}, "target_pct"),
        ({"target_pct": "-1"}, "target_pct"),
        ({"target_pct": "99.9999"}, "target_pct"),
        ({"degraded_weight": "1.5"}, "degraded_weight"),
        ({"no_data": "maybe"}, "no_data"),
        (
            {
                "credit_tiers": [
                    {"below_pct": "99.9", "credit_pct": "25"},
                    {"below_pct": "99.0", "credit_pct": "10"},
                ]
            },
            "credit_tiers",
        ),
        (
            {
                "credit_tiers": [
                    {"below_pct": "99.9", "credit_pct": "10"},
                    {"below_pct": "99.9", "credit_pct": "20"},
                ]
            },
            "credit_tiers",
        ),
        ({"service_hours": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}, "service_hours"),
        ({"service_hours": [{"weekday": 1, "start": "17:00", "end": "09:00"}]}, "service_hours"),
    ],
)
def test_bad_policy_is_rejected(customer_client, payload, field):
    body = {"name": "Bad", "target_pct": "99.9", **payload}
    response = customer_client.post("/api/v1/sla-policies/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SLAPolicy.objects.exists()


def test_customer_cannot_change_shared_or_foreign_policy(customer_client):
    shared = SLAPolicy.objects.create(name="Shared", target_pct=Decimal("99.9"))
    foreign = SLAPolicy.objects.create(
        name="Theirs", target_pct=Decimal("99.9"), customer=CustomerFactory()
    )
    assert customer_client.get(f"/api/v1/sla-policies/{shared.pk}/").status_code == 200
    assert customer_client.get(f"/api/v1/sla-policies/{foreign.pk}/").status_code == 404
    response = customer_client.patch(
        f"/api/v1/sla-policies/{shared.pk}/", {"target_pct": "90"}, format="json"
    )
    assert response.status_code == 404
    shared.refresh_from_db()
    assert shared.target_pct == Decimal("99.900")


def test_maintenance_window_must_end_after_start(customer_client, customer):
    response = customer_client.post(
        "/api/v1/maintenance-windows/",
        {
            "customer": customer.slug,
            "starts_at": "2026-09-10T10:00:00Z",
            "ends_at": "2026-09-10T09:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert not MaintenanceWindow.objects.exists()


def test_maintenance_window_for_own_workflows(customer_client, customer):
    workflow = WorkflowFactory(customer=customer)
    response = customer_client.post(
        "/api/v1/maintenance-windows/",
        {
            "customer": customer.slug,
            "workflows": [workflow.pk],
            "starts_at": "2026-09-10T08:00:00Z",
            "ends_at": "2026-09-10T09:00:00Z",
            "reason": "upgrade",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["workflows"] == [workflow.pk]


def test_maintenance_window_cannot_name_foreign_workflow(customer_client, customer):
    foreign = WorkflowFactory()
    response = customer_client.post(
        "/api/v1/maintenance-windows/",
        {
            "customer": customer.slug,
            "workflows": [foreign.pk],
            "starts_at": "2026-09-10T08:00:00Z",
            "ends_at": "2026-09-10T09:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "workflows" in response.json()
