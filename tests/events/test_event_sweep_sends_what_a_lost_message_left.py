"""Deliveries whose message was lost (broker down) are sent by the beat sweep; what still fails
stays in line and is counted in `/metrics` as the sweep's failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from continuity.models import EventDelivery, EventEndpoint
from incidents.models import SweepRun
from incidents.tasks import sweep_events
from tests.factories import CustomerFactory
from tests.metrics.scrape import TOKEN, scrape

pytestmark = pytest.mark.django_db


def owed(endpoint, key: str, age: timedelta) -> EventDelivery:
    row = EventDelivery.objects.create(
        endpoint=endpoint,
        event_type="outage.opened",
        idempotency_key=key,
        payload={
            "id": key,
            "type": "outage.opened",
            "occurred_at": "",
            "customer": "x",
            "data": {},
        },
    )
    EventDelivery.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_the_sweep_sends_lost_deliveries_and_counts_what_failed(receiver, client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = TOKEN, []
    endpoint = EventEndpoint.objects.create(customer=CustomerFactory(), url=receiver.url)
    lost = [owed(endpoint, f"lost-{i}", timedelta(minutes=5)) for i in range(3)]
    fresh = owed(endpoint, "fresh", timedelta(seconds=5))  # its own task may still run
    receiver.statuses = [200, 503, 200]

    assert sweep_events() == 3
    states = dict(EventDelivery.objects.values_list("idempotency_key", "state"))
    assert sorted(states[row.idempotency_key] for row in lost) == ["pending", "sent", "sent"]
    assert states[fresh.idempotency_key] == "pending"
    assert len(receiver.seen) == 3
    run = SweepRun.objects.get(name="events")
    assert (run.swept, run.failures) == (3, 1)
    assert scrape(client)["continuity_sweep_failures", frozenset({("sweep", "events")})] == 1

    assert sweep_events() == 1  # the one that failed, again
    assert SweepRun.objects.get(name="events").failures == 0
    assert EventDelivery.objects.filter(state="sent").count() == 3
