from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Outage, OutageUpdate
from tests.factories import ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def seed(customer, n):
    for i in range(n):
        workflow = WorkflowFactory(customer=customer)
        probe = ProbeFactory(workflow=workflow)
        outage = Outage.objects.create(
            workflow=workflow,
            started_at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=i),
            ended_at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=i, minutes=5),
            severity="down",
            source="probe",
        )
        outage.probes.add(probe)
        OutageUpdate.objects.create(
            outage=outage, status="resolved", message="ok", posted_at=outage.ended_at
        )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "resource", ["customers", "workflows", "probes", "outages", "probe-results"]
)
def test_list_query_count_does_not_grow_with_page_size(customer_client, customer, resource):
    seed(customer, 3)
    customer_client.get("/api/v1/")  # first use of the key records last_used_at
    small = queries_for(customer_client, f"/api/v1/{resource}/?page_size=3")
    seed(customer, 12)
    large = queries_for(customer_client, f"/api/v1/{resource}/?page_size=15")
    assert large == small
    assert large <= 6
