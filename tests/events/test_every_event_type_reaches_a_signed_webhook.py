"""Every event type, end to end: the service that changes the database owes the event, the
delivery path POSTs it to a real receiver on 127.0.0.1, once, signed; the receiver's check
(docs/api.md) accepts it and rejects a replay with an old timestamp or a changed body; the
other customer's endpoint never hears of it."""

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from continuity.models import EventEndpoint, Runbook
from incidents.services.fallbacks import fallback_activate, fallback_deactivate
from incidents.services.outages import outage_create_manual, outage_post_update, outage_update
from reports import services as report_services
from reports.services.alerts import alerts_sweep
from tests.events.receiver import TOLERANCE_SECONDS, Receiver, signature_valid
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def other(settings):
    """Customer B's receiver: it must stay silent whatever A's services do."""
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


class World:
    def __init__(self, receiver, other, capture):
        self.receiver, self.capture = receiver, capture
        self.customer = CustomerFactory()
        self.endpoint = EventEndpoint.objects.create(customer=self.customer, url=receiver.url)
        EventEndpoint.objects.create(customer=CustomerFactory(), url=other.url)
        self.workflow = WorkflowFactory(customer=self.customer, name="Checkout", rto_minutes=60)
        self.seen = 0

    def step(self, action) -> Counter:
        """Run `action` as a committed transaction; the event types it delivered."""
        with self.capture(execute=True):
            result = action()
        new = self.receiver.seen[self.seen :]
        self.seen = len(self.receiver.seen)
        for headers, body in new:
            assert signature_valid(self.endpoint.secret, headers, body)
            payload = json.loads(body)
            assert headers["X-Continuity-Event"] == payload["type"]
            assert headers["X-Continuity-Delivery"] == payload["id"]
            assert payload["customer"] == self.customer.slug
        self.result = result
        return Counter(json.loads(body)["type"] for _, body in new)


def test_every_event_type_once_signed_and_only_to_its_customer(
    receiver, other, smtp, django_capture_on_commit_callbacks
):
    world = World(receiver, other, django_capture_on_commit_callbacks)
    wf = world.workflow

    assert world.step(
        lambda: outage_create_manual(
            workflow=wf, started_at=STARTED, ended_at=None, severity="down"
        )
    ) == {"outage.opened": 1}
    outage = world.result
    assert world.step(
        lambda: outage_post_update(outage=outage, status="identified", message="Provider down.")
    ) == {"outage.updated": 1}

    runbook = Runbook.objects.create(workflow=wf, title="Second provider")
    assert world.step(lambda: fallback_activate(outage=outage, runbook=runbook)) == {
        "fallback.activated": 1
    }
    activation = world.result
    assert world.step(lambda: fallback_deactivate(activation=activation)) == {
        "fallback.deactivated": 1
    }
    assert world.step(
        lambda: outage_update(outage=outage, ended_at=STARTED + timedelta(minutes=40))
    ) == {"outage.resolved": 1}
    assert world.step(
        lambda: outage_update(
            outage=outage, excluded_from_sla=True, exclusion_reason="Agreed with the customer."
        )
    ) == {"outage.excluded": 1}

    # RTO and error budget: a live outage 50 minutes into a 60-minute RTO.
    now = timezone.now()
    outage_create_manual(
        workflow=wf, started_at=now - timedelta(minutes=50), ended_at=None, severity="down"
    )
    world.seen = len(receiver.seen)  # its outage.opened was checked above already
    assert world.step(lambda: alerts_sweep(now=now)) == {"rto.at_risk": 1, "budget.burn": 3}
    assert world.step(lambda: alerts_sweep(now=now + timedelta(minutes=1))) == {}
    assert world.step(lambda: alerts_sweep(now=now + timedelta(minutes=11))) == {"rto.missed": 1}

    report, _ = report_services.report_generate(
        customer=world.customer, period="2026-10", queue=False
    )
    report_services.report_render(report_id=report.pk)
    assert world.step(lambda: report_services.report_send(report_id=report.pk)) == {
        "report.sent": 1
    }
    report.refresh_from_db()
    # The revision is queued on commit and (eager Celery) rendered and mailed at once.
    assert world.step(lambda: report_services.report_issue_revision(report=report)) == {
        "report.superseded": 1,
        "report.sent": 1,
    }
    superseded = next(b for b in receiver.bodies() if b["type"] == "report.superseded")
    assert superseded["data"] == {
        "report": report.pk,
        "period": "2026-10",
        "revision": 1,
        "by": world.result.pk,
    }

    assert len({b["id"] for b in receiver.bodies()}) == len(receiver.seen)
    assert other.seen == []


def test_the_documented_check_rejects_a_replay_and_a_changed_body(
    receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    endpoint = EventEndpoint.objects.create(customer=customer, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        outage_create_manual(
            workflow=WorkflowFactory(customer=customer),
            started_at=STARTED,
            ended_at=None,
            severity="down",
        )
    [(headers, body)] = receiver.seen
    signed_at = int(
        dict(p.split("=", 1) for p in headers["X-Continuity-Signature"].split(","))["t"]
    )
    assert abs(signed_at - time.time()) < 60
    assert signature_valid(endpoint.secret, headers, body)
    replayed_later = signed_at + TOLERANCE_SECONDS + 1
    assert not signature_valid(endpoint.secret, headers, body, now=replayed_later)
    assert not signature_valid(endpoint.secret, headers, body.replace(b"down", b"up"))
    assert not signature_valid("whsec_someone-elses", headers, body)
