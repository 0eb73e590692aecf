import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Outage
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 1, tzinfo=UTC)


def seed(customer, n, offset=0):
    workflow = WorkflowFactory(customer=customer)
    probes = [ProbeFactory(workflow=workflow), ProbeFactory(workflow=workflow)]
    for i in range(offset, offset + n):
        outage = Outage.objects.create(
            workflow=workflow,
            started_at=START + timedelta(hours=i),
            ended_at=None if i % 4 == 0 else START + timedelta(hours=i, minutes=5),
            severity="down" if i % 2 else "degraded",
            source="probe",
            summary=f'checkout, slow; "quoted" {i}',
        )
        outage.probes.add(*probes[: 1 + i % 2])


def as_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def json_pages(client, url):
    listed = []
    while url:
        body = client.get(url).json()
        listed += body["results"]
        url = body["next"]
    return listed


def csv_rows(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_rows_equal_the_json_list_across_pages(staff_client, customer):
    seed(customer, 7)
    seed(CustomerFactory(), 3, offset=20)
    listed = json_pages(staff_client, "/api/v1/outages/?page_size=3")
    response = staff_client.get("/api/v1/outages/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="continuity-outages.csv"'
    rows = csv_rows(response)
    assert len(rows) == len(listed) == 10
    for expected, row in zip(listed, rows, strict=True):
        assert list(row) == list(expected)
        assert row == {key: as_cell(value) for key, value in expected.items()}


@pytest.mark.parametrize(
    "query", ["state=open", "severity=down", "since=2026-09-01T03:00:00Z&until=2026-09-01T06:00Z"]
)
def test_filters_apply_to_the_csv(staff_client, customer, query):
    seed(customer, 9)
    listed = json_pages(staff_client, f"/api/v1/outages/?{query}")
    rows = csv_rows(staff_client.get(f"/api/v1/outages/?{query}&format=csv"))
    assert 0 < len(rows) < 9
    assert [row["id"] for row in rows] == [str(item["id"]) for item in listed]


def test_a_customer_key_gets_only_its_own_rows(customer_client, customer):
    seed(customer, 2)
    other = CustomerFactory()
    seed(other, 3, offset=10)
    rows = csv_rows(customer_client.get("/api/v1/outages/?format=csv"))
    assert {row["customer_slug"] for row in rows} == {customer.slug}
    assert len(rows) == 2
    foreign = csv_rows(customer_client.get(f"/api/v1/outages/?format=csv&customer={other.slug}"))
    assert foreign == []


def test_no_outages_is_a_header_row_alone(customer_client):
    response = customer_client.get("/api/v1/outages/?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.splitlines() == [
        "id,workflow,customer,customer_slug,started_at,ended_at,duration_seconds,severity,"
        "source,probes,root_cause,summary,excluded_from_sla,exclusion_reason"
    ]


def test_the_query_count_does_not_grow_with_the_rows(customer_client, customer):
    customer_client.get("/api/v1/")  # first use of the key records last_used_at

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            rows = csv_rows(customer_client.get("/api/v1/outages/?format=csv"))
        return len(rows), len(ctx.captured_queries)

    seed(customer, 3)
    small = queries()
    seed(customer, 40, offset=3)
    large = queries()
    assert (small[0], large[0]) == (3, 43)
    assert large[1] == small[1] <= 6
