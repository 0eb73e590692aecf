"""With a real streaming replica whose replay is paused: a reader gets the replica's (stale)
SLA figures, while the client that just wrote gets the primary's, by cookie or by key."""

from datetime import UTC, datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from continuity.replica import PIN_COOKIE, REPLICA
from incidents.models import Outage
from tests.factories import CustomerFactory, WorkflowFactory, make_key
from tests.replica.conftest import replica_test, wait_until_replayed

pytestmark = replica_test

PERIOD = "2026-09"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def down_minutes(client: APIClient, customer) -> str:
    response = client.get(f"/api/v1/sla/?customer={customer.slug}&period={PERIOD}")
    assert response.status_code == 200, response.content
    [row] = response.json()["workflows"]
    return row["down_minutes"]


@pytest.fixture
def world(replica):
    customer = CustomerFactory()
    workflow = WorkflowFactory(customer=customer)
    Outage.objects.create(
        workflow=workflow,
        started_at=datetime(2026, 9, 10, 8, 0, tzinfo=UTC),
        ended_at=datetime(2026, 9, 10, 8, 50, tzinfo=UTC),
        severity="down",
        source="manual",
    )
    reader_key = make_key(customer=customer, name="reader")
    writer_key = make_key(customer=customer, name="writer")
    wait_until_replayed(replica)
    return customer, workflow, reader_key, writer_key


def post_outage(client: APIClient, workflow) -> None:
    response = client.post(
        "/api/v1/outages/",
        {
            "workflow": workflow.pk,
            "started_at": "2026-09-20T10:00:00Z",
            "ended_at": "2026-09-20T10:30:00Z",
            "severity": "down",
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_the_sla_endpoint_reads_from_the_replica(replica, world):
    customer, _, reader_key, _ = world
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert down_minutes(client_with(reader_key), customer) == "50"
    assert any("incidents_outage" in q["sql"] for q in on_replica.captured_queries)


def test_a_stale_replica_serves_readers_but_never_the_client_that_wrote(replica, world):
    customer, workflow, reader_key, writer_key = world
    replica.sql("SELECT pg_wal_replay_pause()")
    writer = client_with(writer_key)
    post_outage(writer, workflow)

    assert down_minutes(client_with(reader_key), customer) == "50"  # the replica, paused
    assert down_minutes(writer, customer) == "80"  # the pin cookie: the primary
    assert PIN_COOKIE in writer.cookies
    assert down_minutes(client_with(writer_key), customer) == "80"  # no cookie: pinned by key

    replica.sql("SELECT pg_wal_replay_resume()")
    wait_until_replayed(replica)
    assert down_minutes(client_with(reader_key), customer) == "80"


def test_without_a_write_no_client_is_pinned(replica, world):
    customer, _, reader_key, _ = world
    client = client_with(reader_key)
    down_minutes(client, customer)
    assert PIN_COOKIE not in client.cookies


def test_an_unreachable_replica_is_skipped_for_the_primary(replica, world, caplog):
    customer, workflow, reader_key, writer_key = world
    replica.sql("SELECT pg_wal_replay_pause()")
    post_outage(client_with(writer_key), workflow)
    alias = connections[REPLICA]
    alias.close()
    alias.close_pool()  # the pool keeps the address it was opened with
    port = alias.settings_dict["PORT"]
    alias.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        assert down_minutes(client_with(reader_key), customer) == "80"  # the primary's
    finally:
        alias.close()
        alias.close_pool()
        alias.settings_dict["PORT"] = port
    assert "read replica is unreachable" in caplog.text


def test_provider_incidents_are_read_from_the_replica(replica, world):
    _, workflow, _, _ = world
    workflow.upstream_dependency = "OpenAI API"
    workflow.save()
    staff = client_with(make_key(scopes=("read",), name="staff"))
    wait_until_replayed(replica)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = staff.get(f"/api/v1/dependencies/?period={PERIOD}")
    assert response.status_code == 200, response.content
    [dependency] = response.json()["dependencies"]
    assert dependency["upstream_dependency"] == "OpenAI API"
    assert any("incidents_outage" in q["sql"] for q in on_replica.captured_queries)
