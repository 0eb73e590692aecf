from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 14, 13, 0, tzinfo=UTC)


def provider_outage(workflow, minutes=60, offset=0):
    return Outage.objects.create(
        workflow=workflow,
        started_at=START + timedelta(minutes=offset),
        ended_at=START + timedelta(minutes=offset + minutes),
        severity="down",
        source="probe",
    )


def activate(outage, *, after, until=None, effectiveness="100"):
    runbook = Runbook.objects.get_or_create(
        workflow=outage.workflow, title="fallback", defaults={"fallback_strategy": "x"}
    )[0]
    return FallbackActivation.objects.create(
        outage=outage,
        runbook=runbook,
        runbook_version=1,
        activated_at=outage.started_at + timedelta(minutes=after),
        deactivated_at=until,
        effectiveness_pct=Decimal(effectiveness),
    )


def sla_row(client, customer):
    response = client.get(f"/api/v1/sla/?customer={customer.slug}&period=2026-09")
    assert response.status_code == 200, response.json()
    return response.json()


def test_partial_fallback_started_mid_outage(staff_client, customer):
    workflow = WorkflowFactory(
        customer=customer, cost_per_minute=Decimal("10"), users_affected=100, rto_minutes=15
    )
    outage = provider_outage(workflow)
    activate(outage, after=12, until=outage.ended_at + timedelta(hours=1), effectiveness="50")
    body = sla_row(staff_client, customer)
    row = body["workflows"][0]
    # 12 unmitigated minutes at 10 + 48 mitigated minutes at 10 × (1 − 0.5)
    assert row["cost"] == "360.00"
    assert row["avoided_cost"] == "240.00"
    assert row["user_minutes_lost"] == "6000"
    assert row["mitigated_minutes"] == "48"  # the fallback outliving the outage adds nothing
    assert row["rto"] == {"met": 1, "missed": 0, "pending": 0}
    [listed] = row["outages"]
    assert listed["time_to_mitigate_minutes"] == "12"
    assert listed["rto_status"] == "met"
    # effective availability counts the 48 mitigated minutes at half weight
    assert row["availability_display"] == "99.861"
    # 100 × (1 − (12 + 48 × 0.5) × 60 / 2,592,000) = 99.91666…
    assert row["effective_availability_pct"].startswith("99.9166666666666666")
    assert row["effective_availability_display"] == "99.916"
    assert body["summary"]["impact"]["cost"] == {"USD": "360.00"}


def test_late_fallback_misses_rto(staff_client, customer):
    workflow = WorkflowFactory(customer=customer, rto_minutes=15)
    activate(provider_outage(workflow), after=20)
    row = sla_row(staff_client, customer)["workflows"][0]
    assert row["outages"][0]["rto_status"] == "missed"


def test_dependencies_group_overlapping_outages_across_customers(staff_client):
    with_fallback, without = CustomerFactory(slug="alpha"), CustomerFactory(slug="beta")
    outage_a = provider_outage(WorkflowFactory(customer=with_fallback), minutes=90)
    provider_outage(WorkflowFactory(customer=without), minutes=60, offset=5)
    activate(outage_a, after=12, until=outage_a.ended_at)
    provider_outage(WorkflowFactory(customer=without), minutes=10, offset=600)  # later blip
    response = staff_client.get("/api/v1/dependencies/?period=2026-09")
    assert response.status_code == 200, response.json()
    [dependency] = response.json()["dependencies"]
    assert dependency["upstream_dependency"] == "OpenAI API"
    big, blip = dependency["incidents"]
    assert big["customers_affected"] == 2
    assert big["total_downtime_minutes"] == "150"
    assert big["mitigated_downtime_minutes"] == "78"
    assert big["customers_with_fallback"] == 1
    alpha, beta = big["customers"]
    assert (alpha["customer"], alpha["had_fallback"], alpha["time_to_mitigate_minutes"]) == (
        "alpha",
        True,
        "12",
    )
    assert (beta["customer"], beta["had_fallback"]) == ("beta", False)
    assert blip["customers_affected"] == 1


def test_dependencies_is_staff_only(customer_client):
    assert customer_client.get("/api/v1/dependencies/?period=2026-09").status_code == 403


def test_dependencies_bad_period(staff_client):
    response = staff_client.get("/api/v1/dependencies/?period=2026-99")
    assert response.status_code == 400
    assert "period" in response.json()
