"""Console pages and report rendering read the replica; a console user who just acted, and a
render that starts while the replica lags, read the primary."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from continuity.replica import REPLICA
from incidents.models import Outage
from reports.periods import parse_month
from reports.report_data import report_fingerprint
from reports.services import report_generate, report_render
from reports.sla_selectors import customer_sla
from tests.factories import CustomerFactory, WorkflowFactory
from tests.replica.conftest import replica_test, wait_until_replayed

pytestmark = replica_test


def outage(workflow, day: int, minutes: int) -> Outage:
    start = datetime(2026, 10, day, 8, 0, tzinfo=UTC)
    return Outage.objects.create(
        workflow=workflow,
        started_at=start,
        ended_at=start.replace(minute=minutes),
        severity="down",
        source="manual",
    )


def replica_sql(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def staff(replica):
    user = User.objects.create_user("rita", password="pw-rita-123", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_a_console_page_is_read_from_the_replica(replica, staff):
    workflow = WorkflowFactory(customer=CustomerFactory())
    outage(workflow, 3, 20)
    wait_until_replayed(replica)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = staff.get(f"/console/workflows/{workflow.pk}/")
    assert response.status_code == 200
    assert any("incidents_outage" in sql for sql in replica_sql(on_replica))
    assert not any("django_session" in sql for sql in replica_sql(on_replica))


def test_a_console_user_who_just_posted_reads_the_primary(replica, staff):
    workflow = WorkflowFactory(customer=CustomerFactory())
    wait_until_replayed(replica)
    staff.post("/console/reports/generate/", {})  # any POST pins, whatever it answers
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert staff.get(f"/console/workflows/{workflow.pk}/").status_code == 200
    assert replica_sql(on_replica) == []


def test_rendering_reads_the_replica_once_it_has_caught_up(replica):
    customer = CustomerFactory()
    outage(WorkflowFactory(customer=customer), 3, 20)
    report, _ = report_generate(customer=customer, period="2026-10", queue=False)
    wait_until_replayed(replica)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        rendered = report_render(report_id=report.pk)
    assert rendered.state == "rendered"
    assert any("incidents_outage" in sql for sql in replica_sql(on_replica))


def test_rendering_reads_the_primary_while_the_replica_lags(replica):
    customer = CustomerFactory()
    workflow = WorkflowFactory(customer=customer)
    outage(workflow, 3, 20)
    report, _ = report_generate(customer=customer, period="2026-10", queue=False)
    wait_until_replayed(replica)
    replica.sql("SELECT pg_wal_replay_pause()")
    outage(workflow, 9, 45)  # committed on the primary, not yet on the replica
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        rendered = report_render(report_id=report.pk)
    assert not any("incidents_outage" in sql for sql in replica_sql(on_replica))
    october = parse_month("2026-10", customer.timezone)
    fresh = customer_sla(customer=customer, period=october, now=rendered.rendered_at)
    assert rendered.data_sha256 == report_fingerprint(fresh)
