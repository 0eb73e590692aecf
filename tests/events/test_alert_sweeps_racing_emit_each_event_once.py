"""Two workers running the alert sweep at the same moment owe each RTO and burn event once:
the delivery's unique (endpoint, key) and BurnAlert's conditional UPDATE decide, in
PostgreSQL, not in the process."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from continuity.models import EventDelivery, EventEndpoint
from incidents.services.outages import outage_create_manual
from reports.models import BurnAlert
from reports.services.alerts import alerts_sweep
from tests.factories import WorkflowFactory


@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_emit_each_event_once(receiver):
    workflow = WorkflowFactory(rto_minutes=60)
    EventEndpoint.objects.create(customer=workflow.customer, url=receiver.url)
    now = timezone.now()
    outage_create_manual(
        workflow=workflow, started_at=now - timedelta(minutes=50), ended_at=None, severity="down"
    )
    EventDelivery.objects.all().delete()  # the outage.opened event is not what races here
    start, errors = threading.Barrier(4), []

    def sweep(offset: int) -> None:
        try:
            start.wait()
            alerts_sweep(now=now + timedelta(seconds=offset))  # a burn key differs per sweep
        except Exception as exc:  # pragma: no cover - shown in the assert
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    owed = Counter(EventDelivery.objects.values_list("event_type", flat=True))
    assert owed == {"rto.at_risk": 1, "budget.burn": 3}
    assert BurnAlert.objects.filter(workflow=workflow, firing_since__isnull=False).count() == 3
    sent = Counter(b["type"] for b in receiver.bodies() if b["type"] != "outage.opened")
    assert sent == owed
