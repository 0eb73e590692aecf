from datetime import UTC, datetime

import pytest

from incidents.models import Outage
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_objects():
    other = CustomerFactory()
    workflow = WorkflowFactory(customer=other)
    probe = ProbeFactory(workflow=workflow)
    outage = Outage.objects.create(
        workflow=workflow,
        started_at=datetime(2026, 9, 1, tzinfo=UTC),
        ended_at=datetime(2026, 9, 1, 1, tzinfo=UTC),
        severity="down",
        source="manual",
    )
    return {"customers": other, "workflows": workflow, "probes": probe, "outages": outage}


@pytest.mark.parametrize("resource", ["customers", "workflows", "probes", "outages"])
def test_customer_key_gets_404_for_another_customers_object(
    customer_client, foreign_objects, resource
):
    obj = foreign_objects[resource]
    url = f"/api/v1/{resource}/{obj.pk}/"
    assert customer_client.get(url).status_code == 404
    assert customer_client.patch(url, {"name": "x"}, format="json").status_code in (403, 404)
    assert customer_client.delete(url).status_code in (403, 404)
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("resource", ["workflows", "probes", "outages"])
def test_lists_show_only_own_objects(customer_client, customer, foreign_objects, resource):
    ProbeFactory(workflow=WorkflowFactory(customer=customer))
    response = customer_client.get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    foreign_id = foreign_objects[resource].pk
    assert foreign_id not in [row["id"] for row in response.json()["results"]]


def test_customer_key_cannot_create_workflow_for_another_customer(customer_client, foreign_objects):
    response = customer_client.post(
        "/api/v1/workflows/",
        {"customer": foreign_objects["customers"].slug, "name": "sneaky"},
        format="json",
    )
    assert response.status_code == 400
    assert "customer" in response.json()


def test_customer_key_cannot_create_customers(customer_client):
    response = customer_client.post(
        "/api/v1/customers/", {"slug": "new", "name": "New", "timezone": "UTC"}, format="json"
    )
    assert response.status_code == 403


def test_staff_key_sees_every_customer(staff_client, customer, foreign_objects):
    slugs = {row["slug"] for row in staff_client.get("/api/v1/customers/").json()["results"]}
    assert {customer.slug, foreign_objects["customers"].slug} <= slugs
