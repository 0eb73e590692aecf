"""The service's own health: results stored lately, derivation lag, unsent and failed
email, and the depth of the Celery queues in the real Redis broker."""

from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine

from incidents.models import Outage, OutageNotification, Probe, ProbeResult
from reports.models import Report
from tests.factories import CustomerFactory, ProbeFactory
from tests.metrics.scrape import names, scrape

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def stored(probe, *ages_seconds: int) -> None:
    for age in ages_seconds:
        result = ProbeResult.objects.create(
            probe=probe, location="eu-west", observed_at=NOW - timedelta(hours=1), outcome="up"
        )
        ProbeResult.objects.filter(pk=result.pk).update(received_at=NOW - timedelta(seconds=age))


def test_results_stored_in_the_last_minute_and_five_minutes(web, metrics_token):
    stored(ProbeFactory(), 5, 59, 61, 299, 301, 3600)
    found = scrape(web)
    assert found["continuity_probe_results_stored", frozenset({("window", "1m")})] == 2
    assert found["continuity_probe_results_stored", frozenset({("window", "5m")})] == 4


def test_derivation_lag_is_the_age_of_the_oldest_pending_result(web, metrics_token):
    assert scrape(web)["continuity_derivation_lag_seconds", frozenset()] == 0
    for minutes in (7, 2):
        probe = ProbeFactory()
        Probe.objects.filter(pk=probe.pk).update(
            derivation_pending=True, derivation_pending_since=NOW - timedelta(minutes=minutes)
        )
    ProbeFactory()  # derived: not pending
    found = scrape(web)
    assert found["continuity_derivation_pending_probes", frozenset()] == 2
    assert found["continuity_derivation_lag_seconds", frozenset()] == 7 * 60


def test_email_backlog_and_failures_per_kind(web, metrics_token):
    outage = Outage.objects.create(
        workflow=ProbeFactory().workflow, started_at=NOW, severity="down"
    )
    for i, state in enumerate(["pending", "sending", "sent", "failed", "pending"]):
        OutageNotification.objects.create(
            outage=outage, event="opened", event_key=f"k{i}", state=state
        )
    customer = CustomerFactory()
    for i, state in enumerate(["pending", "rendered", "rendered", "sent", "failed"]):
        Report.objects.create(customer=customer, period=f"2026-0{i + 1}", state=state)
    found = scrape(web)
    assert found["continuity_email_backlog", frozenset({("kind", "outage_notification")})] == 3
    assert found["continuity_email_failed", frozenset({("kind", "outage_notification")})] == 1
    assert found["continuity_email_backlog", frozenset({("kind", "report")})] == 2
    assert found["continuity_email_failed", frozenset({("kind", "report")})] == 1


@pytest.fixture
def broker(settings):
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = "probes.metrics-test"
    client.delete(queue)
    yield client, queue
    client.delete(queue)
    client.close()


def test_queue_depth_of_each_queue_in_the_redis_broker(web, metrics_token, settings, broker):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    client, queue = broker
    ProbeFactory(kind="http", locations=["metrics-test"])
    client.rpush(queue, "a", "b", "c")
    found = scrape(web)
    assert found["continuity_queue_depth", frozenset({("queue", queue)})] == 3
    assert ("continuity_queue_depth", frozenset({("queue", "celery")})) in found


@pytest.mark.parametrize(
    "broker_url", ["", "amqp://guest@127.0.0.1:5672//", "redis://127.0.0.1:1/0"]
)
def test_without_a_reachable_redis_broker_the_queue_depth_is_left_out(
    web, metrics_token, settings, broker_url
):
    settings.CELERY_BROKER_URL = broker_url
    found = scrape(web)
    assert "continuity_queue_depth" not in names(found)
    assert "continuity_derivation_lag_seconds" in names(found)
