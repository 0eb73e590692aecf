"""Filters, pagination, bad query input (400, never 500) and queries that do not grow."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuity.models import Runbook, RunbookStep
from tests.audit.conftest import events, manual_outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def test_filters_narrow_the_trail(auditor, customer, workflow):
    outage = manual_outage(workflow)
    other = manual_outage(WorkflowFactory(customer=CustomerFactory(slug="globex")))
    by_object = events(auditor, object_type="outage", object_id=outage.pk)
    assert [(e["object_type"], e["object_id"]) for e in by_object] == [("outage", outage.pk)]
    by_slug = events(auditor, customer="globex", object_type="outage")
    assert [e["object_id"] for e in by_slug] == [other.pk]
    by_id = events(auditor, customer=customer.pk)
    assert by_id and {e["customer"] for e in by_id} == {customer.pk}
    now = timezone.now()
    assert events(auditor, until=(now - timedelta(hours=1)).isoformat()) == []
    assert events(auditor, since=(now + timedelta(hours=1)).isoformat()) == []
    window = events(
        auditor,
        since=(now - timedelta(hours=1)).isoformat(),
        until=(now + timedelta(hours=1)).isoformat(),
    )
    assert len(window) == len(events(auditor, page_size=500))


def test_newest_first_and_paginated(auditor, workflow):
    for _ in range(5):
        manual_outage(workflow)
    page = auditor.get("/api/v1/audit-events/", {"object_type": "outage", "page_size": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]
    everything = events(auditor, object_type="outage")
    times = [event["at"] for event in everything]
    assert times == sorted(times, reverse=True)
    assert [e["id"] for e in page["results"]] == [e["id"] for e in everything[:2]]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"until": "2026-13-01T00:00:00Z"},
        {"object_type": "probe_result"},
        {"object_id": "abc"},
        {"object_id": "0"},
    ],
)
def test_bad_query_is_a_400(auditor, params):
    response = auditor.get("/api/v1/audit-events/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def seed(workflow, count: int) -> None:
    for n in range(count):
        runbook = Runbook.objects.create(workflow=workflow, title=f"R{n}", fallback_strategy="B")
        RunbookStep.objects.create(runbook=runbook, order=1, title="Switch")
        runbook.title = f"R{n} v2"
        runbook.save()
        outage = manual_outage(workflow)
        outage.summary = "edited"
        outage.save()


def page_queries(auditor) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert events(auditor)
    return len(queries.captured_queries)


def test_a_page_costs_the_same_queries_however_many_events(auditor, workflow):
    """A count, the page, and one query per event table on the page: never one per event."""
    seed(workflow, 2)
    every_table_on_the_page = page_queries(auditor)
    seed(workflow, 20)
    large = page_queries(auditor)
    seed(workflow, 40)
    assert page_queries(auditor) == large <= every_table_on_the_page
