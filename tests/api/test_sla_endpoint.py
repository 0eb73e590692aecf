from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from continuity.models import CreditTier, SLAPolicy
from incidents.models import MaintenanceWindow, Outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def outage(workflow, start, minutes, severity="down", **extra):
    return Outage.objects.create(
        workflow=workflow,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        severity=severity,
        source="manual",
        **extra,
    )


@pytest.fixture
def policy(customer):
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.900"))
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99.900"), credit_pct=Decimal("10"))
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99.000"), credit_pct=Decimal("25"))
    customer.sla_policy = policy
    customer.save()
    return policy


def get_sla(client, customer, **params):
    query = "&".join(f"{k}={v}" for k, v in {"customer": customer.slug, **params}.items())
    return client.get(f"/api/v1/sla/?{query}")


def test_fifty_minute_outage_in_a_thirty_day_month(customer_client, customer, policy):
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, datetime(2026, 9, 10, 8, 0, tzinfo=UTC), 50)
    response = get_sla(customer_client, customer, period="2026-09")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["customer"] == customer.slug
    assert body["period"]["minutes"] == 43200
    assert body["period"]["timezone"] == "UTC"
    [row] = body["workflows"]
    assert row["workflow"] == workflow.pk
    assert row["target_pct"] == "99.900"
    assert row["availability_pct"].startswith("99.884259259259259259259259")
    assert row["availability_display"] == "99.884"
    assert row["met"] is False
    assert row["down_minutes"] == "50"
    assert row["error_budget_minutes"] == "43.2"
    assert row["error_budget_remaining_minutes"] == "-6.8"
    assert row["credit_pct"] == "10.00"
    assert row["outage_count"] == 1
    assert row["longest_outage_minutes"] == "50"
    assert body["summary"]["breached"] == 1


def test_outage_crossing_a_month_boundary_counts_in_each_month(staff_client, customer, policy):
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, datetime(2026, 9, 30, 23, 30, tzinfo=UTC), 60)
    september = get_sla(staff_client, customer, period="2026-09").json()["workflows"][0]
    october = get_sla(staff_client, customer, period="2026-10").json()["workflows"][0]
    assert (september["down_minutes"], october["down_minutes"]) == ("30", "30")


def test_maintenance_overlapping_an_outage_is_not_counted(staff_client, customer, policy):
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, datetime(2026, 9, 10, 8, 0, tzinfo=UTC), 60)
    window = MaintenanceWindow.objects.create(
        customer=customer,
        starts_at=datetime(2026, 9, 10, 8, 30, tzinfo=UTC),
        ends_at=datetime(2026, 9, 10, 10, 0, tzinfo=UTC),
        reason="database upgrade",
    )
    window.workflows.add(workflow)
    row = get_sla(staff_client, customer, period="2026-09").json()["workflows"][0]
    assert row["down_minutes"] == "30"
    assert row["maintenance_minutes"] == "90"
    assert row["measured_minutes"] == str(43200 - 90)


def test_dst_month_in_new_york(staff_client):
    customer = CustomerFactory(timezone="America/New_York")
    WorkflowFactory(customer=customer)
    assert get_sla(staff_client, customer, period="2026-10").json()["period"]["minutes"] == 44640
    assert get_sla(staff_client, customer, period="2026-11").json()["period"]["minutes"] == 43260


def test_availability_exactly_at_a_tier_boundary_earns_no_credit_from_it(
    staff_client, customer, policy
):
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, datetime(2026, 9, 5, tzinfo=UTC), 432)  # 1 % of 43,200 minutes
    row = get_sla(staff_client, customer, period="2026-09").json()["workflows"][0]
    assert Decimal(row["availability_pct"]) == Decimal("99")
    assert row["credit_pct"] == "10.00"  # below 99.9, not below 99.0


def test_zero_measured_time_gives_null_availability(staff_client, customer, policy):
    workflow = WorkflowFactory(customer=customer)
    MaintenanceWindow.objects.create(
        customer=customer,
        starts_at=datetime(2026, 8, 25, tzinfo=UTC),
        ends_at=datetime(2026, 10, 2, tzinfo=UTC),
    )
    row = get_sla(staff_client, customer, period="2026-09").json()["workflows"][0]
    assert row["workflow"] == workflow.pk
    assert row["availability_pct"] is None
    assert row["met"] is None


def test_arbitrary_start_and_end(staff_client, customer, policy):
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, datetime(2026, 9, 10, 8, 0, tzinfo=UTC), 50)
    body = get_sla(staff_client, customer, start="2026-09-10", end="2026-09-11").json()
    assert body["period"]["minutes"] == 1440
    assert body["workflows"][0]["down_minutes"] == "50"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-13"},
        {"period": "last-month"},
        {"period": "2026-09", "start": "2026-09-01", "end": "2026-09-02"},
        {"start": "2026-09-02", "end": "2026-09-01"},
        {"start": "2026-09-02"},
    ],
)
def test_bad_period_is_a_clear_400(staff_client, customer, params):
    response = get_sla(staff_client, customer, **params)
    assert response.status_code == 400
    message = str(response.json())
    assert "period" in message or "start" in message


def test_customer_key_cannot_read_another_customers_sla(customer_client):
    other = CustomerFactory()
    assert get_sla(customer_client, other, period="2026-09").status_code == 404


def test_current_period_has_burn_rates(staff_client, customer, policy):
    WorkflowFactory(customer=customer)
    row = staff_client.get(f"/api/v1/sla/?customer={customer.slug}").json()["workflows"][0]
    assert set(row["burn_rates"]) == {"1h", "6h", "3d"}
    assert row["burn_rates"]["1h"]["threshold"] == "14.4"


def test_sla_query_count_is_bounded(staff_client, customer, policy, django_assert_max_num_queries):
    for index in range(12):
        workflow = WorkflowFactory(customer=customer)
        outage(workflow, datetime(2026, 9, 3, tzinfo=UTC) + timedelta(days=index), 5)
    staff_client.get("/api/v1/")
    with django_assert_max_num_queries(12):  # computed, plus reading and writing the store
        response = get_sla(staff_client, customer, period="2026-09")
    assert len(response.json()["workflows"]) == 12
    with django_assert_max_num_queries(4):  # a closed month, read from the store
        again = get_sla(staff_client, customer, period="2026-09")
    assert again.json()["workflows"] == response.json()["workflows"]
