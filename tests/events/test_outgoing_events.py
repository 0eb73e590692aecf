"""Outgoing events POSTed to a real receiver on 127.0.0.1, signed, retried, tenant-scoped."""

import json
from datetime import UTC, datetime

import pytest

from continuity import delivery
from continuity.models import EventDelivery, EventEndpoint
from incidents.services.events import event_deliver
from incidents.services.outages import outage_create_manual, outage_update
from tests.events.receiver import signature_valid
from tests.factories import CustomerFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db(transaction=False)

STARTED = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


def verify(secret: str, headers: dict[str, str], body: bytes) -> None:
    assert signature_valid(secret, headers, body)


def open_and_resolve(customer, django_capture_on_commit_callbacks):
    workflow = WorkflowFactory(customer=customer, name="Checkout")
    with django_capture_on_commit_callbacks(execute=True):
        outage = outage_create_manual(
            workflow=workflow, started_at=STARTED, ended_at=None, severity="down"
        )
    with django_capture_on_commit_callbacks(execute=True):
        outage_update(outage=outage, ended_at=STARTED.replace(hour=14))
    return outage


def test_each_event_arrives_signed_once(receiver, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    endpoint = EventEndpoint.objects.create(customer=customer, url=receiver.url)
    outage = open_and_resolve(customer, django_capture_on_commit_callbacks)

    assert [body["type"] for body in receiver.bodies()] == ["outage.opened", "outage.resolved"]
    for headers, body in receiver.seen:
        verify(endpoint.secret, headers, body)
        payload = json.loads(body)
        assert headers["X-Continuity-Event"] == payload["type"]
        assert headers["X-Continuity-Delivery"] == payload["id"]
        assert payload["customer"] == customer.slug
        assert payload["data"]["outage"] == outage.pk
    with pytest.raises(AssertionError):
        verify("whsec_wrong", *receiver.seen[0])


def test_a_failing_receiver_gets_the_event_once_after_retries(
    receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    EventEndpoint.objects.create(customer=customer, url=receiver.url, events=["outage.opened"])
    receiver.statuses = [500, 500]
    workflow = WorkflowFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        outage_create_manual(workflow=workflow, started_at=STARTED, ended_at=None, severity="down")

    row = EventDelivery.objects.get()
    assert (row.state, row.attempts, row.status_code) == ("pending", 1, 500)
    with pytest.raises(delivery.TransientError):  # what the task retries with backoff
        event_deliver(delivery_id=row.pk)
    assert event_deliver(delivery_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.status_code) == ("sent", 3, 200)
    assert len(receiver.seen) == 3
    assert len({headers["X-Continuity-Delivery"] for headers, _ in receiver.seen}) == 1


def test_a_4xx_fails_at_once(receiver, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    EventEndpoint.objects.create(customer=customer, url=receiver.url, events=["outage.opened"])
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        outage_create_manual(
            workflow=WorkflowFactory(customer=customer),
            started_at=STARTED,
            ended_at=None,
            severity="down",
        )
    delivery = EventDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("failed", 1, 410)


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_get_a_text_message(kind, receiver, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    EventEndpoint.objects.create(customer=customer, url=receiver.url, kind=kind)
    open_and_resolve(customer, django_capture_on_commit_callbacks)
    bodies = receiver.bodies()
    assert [list(body) for body in bodies] == [["text"], ["text"]]
    assert "outage.opened" in bodies[0]["text"] and "Checkout" in bodies[0]["text"]
    assert "X-Continuity-Signature" not in receiver.seen[0][0]


def test_a_customers_endpoint_never_gets_another_customers_events(
    receiver, django_capture_on_commit_callbacks
):
    a, b = CustomerFactory(), CustomerFactory()
    EventEndpoint.objects.create(customer=a, url=receiver.url)
    open_and_resolve(b, django_capture_on_commit_callbacks)
    assert receiver.seen == []
    assert not EventDelivery.objects.exists()


def test_the_secret_is_shown_once_and_b_cannot_read_as_endpoints(api):
    a, b = CustomerFactory(), CustomerFactory()
    client_a, client_b = api(make_key(customer=a)), api(make_key(customer=b))
    created = client_a.post(
        "/api/v1/event-endpoints/",
        {"customer": a.slug, "kind": "webhook", "url": "https://a.example/hook"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"] == EventEndpoint.objects.get().secret
    endpoint_url = f"/api/v1/event-endpoints/{created.json()['id']}/"
    assert "secret" not in client_a.get(endpoint_url).json()
    assert client_b.get(endpoint_url).status_code == 404
    assert client_b.get("/api/v1/event-endpoints/").json()["results"] == []
    bad = client_a.post(
        "/api/v1/event-endpoints/",
        {"customer": a.slug, "url": "https://a.example/", "events": ["nope"]},
        format="json",
    )
    assert bad.status_code == 400
