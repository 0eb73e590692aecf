from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Outage
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def seed(customer, count):
    for _ in range(count):
        workflow = WorkflowFactory(customer=customer)
        Outage.objects.create(
            workflow=workflow,
            started_at=timezone.now() - timedelta(minutes=30),
            ended_at=timezone.now() - timedelta(minutes=20),
            severity="down",
            source="manual",
        )


def test_workflow_list_shows_month_to_date_sla_in_bounded_queries(admin_client_logged_in, customer):
    seed(customer, 2)
    with CaptureQueriesContext(connection) as small:
        response = admin_client_logged_in.get("/admin/continuity/workflow/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "MTD availability" in page and "Error budget left" in page and "Burn 1h" in page
    assert "/ 99.900 %" in page
    seed(customer, 10)
    with CaptureQueriesContext(connection) as large:
        assert admin_client_logged_in.get("/admin/continuity/workflow/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/continuity/customer/",
        "/admin/continuity/slapolicy/",
        "/admin/continuity/runbook/",
        "/admin/continuity/fallbackactivation/",
        "/admin/continuity/apikey/",
        "/admin/incidents/probe/",
        "/admin/incidents/proberesult/",
        "/admin/incidents/outage/",
        "/admin/incidents/maintenancewindow/",
        "/admin/incidents/outagenotification/",
        "/admin/reports/report/",
    ],
)
def test_admin_lists_render(admin_client_logged_in, customer, path):
    seed(customer, 1)
    assert admin_client_logged_in.get(path).status_code == 200
