"""The alert sweep: `rto.at_risk`, `rto.missed` and `budget.burn`, from database state, once
each, POSTed signed to a real receiver."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuity.models import EventDelivery, EventEndpoint, Runbook
from incidents.services.fallbacks import fallback_activate
from incidents.services.outages import outage_create_manual
from reports.models import BurnAlert
from reports.services.alerts import alerts_sweep
from reports.tasks import sweep_alerts
from tests.events.receiver import signature_valid
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def workflow(receiver):
    workflow = WorkflowFactory(name="Checkout", rto_minutes=60)
    endpoint = EventEndpoint.objects.create(customer=workflow.customer, url=receiver.url)
    workflow.endpoint = endpoint
    return workflow


def sweep_at(when: datetime, capture) -> int:
    with time_machine.travel(when, tick=False), capture(execute=True):
        return alerts_sweep(now=when).emitted


def opened(workflow, minutes_ago: int, *, ended_minutes_ago: int | None = None):
    ended = None if ended_minutes_ago is None else NOW - timedelta(minutes=ended_minutes_ago)
    return outage_create_manual(
        workflow=workflow,
        started_at=NOW - timedelta(minutes=minutes_ago),
        ended_at=ended,
        severity="down",
    )


def rto_types(receiver) -> list[str]:
    return [t for t in receiver.types() if t.startswith("rto.")]


def test_at_risk_at_80_percent_then_missed_each_once(
    workflow, receiver, django_capture_on_commit_callbacks
):
    outage = opened(workflow, 47)
    sweep_at(NOW, django_capture_on_commit_callbacks)
    assert rto_types(receiver) == []  # 47 of 60 minutes: not yet 80 %

    sweep_at(NOW + timedelta(minutes=1), django_capture_on_commit_callbacks)
    sweep_at(NOW + timedelta(minutes=2), django_capture_on_commit_callbacks)
    assert rto_types(receiver) == ["rto.at_risk"]

    for minute in (14, 15):
        sweep_at(NOW + timedelta(minutes=minute), django_capture_on_commit_callbacks)
    assert rto_types(receiver) == ["rto.at_risk", "rto.missed"]

    for headers, body in receiver.seen:  # signed when sent, at the (frozen) sweep time
        sent_at = datetime.fromisoformat(json.loads(body)["occurred_at"]).timestamp()
        assert signature_valid(workflow.endpoint.secret, headers, body, now=sent_at)
    at_risk, missed = (b for b in receiver.bodies() if b["type"].startswith("rto."))
    assert at_risk["id"] == f"rto.at_risk-{outage.pk}"
    assert missed["id"] == f"rto.missed-{outage.pk}"
    assert missed["data"]["outage"] == outage.pk
    assert missed["data"]["rto_deadline"] == (outage.started_at + timedelta(hours=1)).isoformat()


def test_an_active_fallback_or_a_recovery_owes_no_rto_event(
    workflow, receiver, django_capture_on_commit_callbacks
):
    covered = opened(workflow, 55)
    runbook = Runbook.objects.create(workflow=workflow, title="Manual queue")
    fallback_activate(outage=covered, runbook=runbook, activated_at=NOW - timedelta(minutes=30))
    opened(workflow, 55, ended_minutes_ago=30)  # recovered within its RTO
    opened(workflow, 50 * 60, ended_minutes_ago=40 * 60)  # missed, but long ago: a backfill
    sweep_at(NOW + timedelta(hours=2), django_capture_on_commit_callbacks)
    assert rto_types(receiver) == []


def test_an_outage_ending_late_is_missed_even_if_no_sweep_saw_it_open(
    workflow, receiver, django_capture_on_commit_callbacks
):
    outage = opened(workflow, 90, ended_minutes_ago=10)
    sweep_at(NOW, django_capture_on_commit_callbacks)
    assert [b["id"] for b in receiver.bodies() if b["type"] == "rto.missed"] == [
        f"rto.missed-{outage.pk}"
    ]


def burn_types(receiver) -> list[tuple[str, str]]:
    return sorted(
        (b["data"]["window"], b["data"]["threshold"])
        for b in receiver.bodies()
        if b["type"] == "budget.burn"
    )


def test_budget_burn_once_per_window_crossing(
    workflow, receiver, django_capture_on_commit_callbacks
):
    # 99.9 % target: 30 minutes down in the last hour burns the 1 h budget 500 times over,
    # the 6 h one ~83 times and the 3 d one ~7 times: every threshold is crossed.
    opened(workflow, 30, ended_minutes_ago=0)
    sweep_at(NOW, django_capture_on_commit_callbacks)
    sweep_at(NOW + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert burn_types(receiver) == [("1h", "14.4"), ("3d", "1"), ("6h", "6")]
    [one_hour] = [
        b for b in receiver.bodies() if b["type"] == "budget.burn" and b["data"]["window"] == "1h"
    ]
    assert one_hour["data"]["workflow_id"] == workflow.pk
    assert float(one_hour["data"]["burn_rate"]) >= 14.4

    # Two hours later the 1 h window is clean again: its alert resets, the others keep firing.
    later = NOW + timedelta(hours=2)
    sweep_at(later, django_capture_on_commit_callbacks)
    firing = dict(BurnAlert.objects.filter(workflow=workflow).values_list("window", "firing_since"))
    assert firing == {"1h": None, "6h": NOW, "3d": NOW}
    assert len(burn_types(receiver)) == 3

    # A new outage crosses the 1 h threshold again: a new crossing, a new event.
    outage_create_manual(
        workflow=workflow, started_at=later - timedelta(minutes=20), ended_at=later, severity="down"
    )
    sweep_at(later, django_capture_on_commit_callbacks)
    assert burn_types(receiver) == [("1h", "14.4"), ("1h", "14.4"), ("3d", "1"), ("6h", "6")]
    keys = [b["id"] for b in receiver.bodies() if b["type"] == "budget.burn"]
    assert len(set(keys)) == 4


def test_a_customer_without_endpoints_is_not_swept_and_others_get_nothing(
    receiver, django_capture_on_commit_callbacks
):
    quiet = WorkflowFactory(rto_minutes=10)
    opened(quiet, 30)
    listening = CustomerFactory()
    EventEndpoint.objects.create(customer=listening, url=receiver.url)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = sweep_alerts()
    assert result == {"workflows": 0, "emitted": 0, "failed": 0}
    assert receiver.seen == [] and not EventDelivery.objects.exists()


def _sweep_queries(when: datetime, capture) -> int:
    with CaptureQueriesContext(connection) as queries:
        sweep_at(when, capture)
    return len(queries.captured_queries)


def test_a_steady_sweep_reads_in_the_same_queries_for_few_or_many_workflows(
    workflow, receiver, django_capture_on_commit_callbacks
):
    def burning_workflows(n: int) -> None:
        for _ in range(n):
            other = WorkflowFactory(customer=workflow.customer, rto_minutes=600)
            opened(other, 30, ended_minutes_ago=0)
            opened(other, 500)  # at risk: owed once, then already owed

    burning_workflows(1)
    sweep_at(NOW, django_capture_on_commit_callbacks)  # the crossings: events owed and sent
    few = _sweep_queries(NOW + timedelta(minutes=1), django_capture_on_commit_callbacks)
    burning_workflows(5)
    sweep_at(NOW + timedelta(minutes=2), django_capture_on_commit_callbacks)
    many = _sweep_queries(NOW + timedelta(minutes=3), django_capture_on_commit_callbacks)
    assert few == many
    assert BurnAlert.objects.exclude(firing_since=None).count() == 6 * 3
    assert EventDelivery.objects.filter(event_type="rto.at_risk").count() == 6
