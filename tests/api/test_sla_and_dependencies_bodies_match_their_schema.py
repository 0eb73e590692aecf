"""The documented response shapes of sla/ and dependencies/ are the bodies served: every key,
its type and its nullability (a documentation-only serializer drifts silently otherwise)."""

from datetime import timedelta

import pytest
from rest_framework import serializers

from reports.api_schemas import DependenciesSerializer, SLASerializer
from tests.api.test_impact_and_dependencies import activate, provider_outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def assert_matches(serializer_class: type[serializers.Serializer], body: dict) -> None:
    incoming = serializer_class(data=body)
    assert incoming.is_valid(), incoming.errors
    assert serializer_class(body).data == body


def test_sla_body_matches_its_schema(staff_client, customer):
    workflow = WorkflowFactory(customer=customer)
    mitigated = provider_outage(workflow, minutes=90)
    activate(mitigated, after=12, until=mitigated.ended_at - timedelta(minutes=10))
    provider_outage(workflow, minutes=7, offset=300)
    WorkflowFactory(customer=customer, upstream_dependency="")
    body = staff_client.get(f"/api/v1/sla/?customer={customer.slug}&period=2026-09").json()
    assert [len(row["outages"]) for row in body["workflows"]] == [2, 0]
    assert body["summary"]["impact"]["outages"] == 2
    assert_matches(SLASerializer, body)


def test_current_sla_body_with_burn_rates_matches_its_schema(staff_client, customer):
    WorkflowFactory(customer=customer)
    body = staff_client.get(f"/api/v1/sla/?customer={customer.slug}").json()
    assert body["workflows"][0]["burn_rates"]["1h"]["threshold"] == "14.4"
    assert body["summary"]["impact"] is None
    assert_matches(SLASerializer, body)


def test_a_range_with_fractional_minutes_matches_its_schema(staff_client, customer):
    WorkflowFactory(customer=customer)
    body = staff_client.get(
        f"/api/v1/sla/?customer={customer.slug}&start=2026-09-01T00:00:30Z&end=2026-09-02T00:00:00Z"
    ).json()
    assert isinstance(body["period"]["minutes"], str)
    assert_matches(SLASerializer, body)


def test_dependencies_body_matches_its_schema(staff_client):
    alpha, beta = CustomerFactory(slug="alpha"), CustomerFactory(slug="beta")
    outage = provider_outage(WorkflowFactory(customer=alpha), minutes=90)
    provider_outage(WorkflowFactory(customer=beta), minutes=60, offset=5)
    activate(outage, after=12, until=outage.ended_at)
    body = staff_client.get("/api/v1/dependencies/?period=2026-09").json()
    assert body["dependencies"][0]["incidents"][0]["customers_affected"] == 2
    assert_matches(DependenciesSerializer, body)
