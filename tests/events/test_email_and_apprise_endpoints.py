"""Endpoints of kind `email` (real local SMTP server) and `apprise` (Apprise's json:// to a real
local receiver), validated on create and sent through the same delivery path."""

from datetime import UTC, datetime

import pytest

from continuity.models import EventDelivery, EventEndpoint
from incidents.services.events import event_deliver
from incidents.services.outages import outage_create_manual
from tests.factories import CustomerFactory, WorkflowFactory, make_key
from tests.smtp import body

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


def open_outage(customer, capture, name: str = "Invoice OCR"):
    workflow = WorkflowFactory(customer=customer, name=name)
    with capture(execute=True):
        return outage_create_manual(
            workflow=workflow, started_at=STARTED, ended_at=None, severity="down"
        )


def create(client, customer, kind: str, url: str):
    return client.post(
        "/api/v1/event-endpoints/",
        {"customer": customer.slug, "kind": kind, "url": url, "events": ["outage.opened"]},
        format="json",
    )


def test_an_email_endpoint_mails_text_and_html_to_every_address(
    api, smtp, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    created = create(
        api(make_key(customer=customer)), customer, "email", "mailto:oncall@a.example,cto@a.example"
    )
    assert created.status_code == 201, created.content
    outage = open_outage(customer, django_capture_on_commit_callbacks)

    [message] = smtp.messages
    assert message["X-Envelope-To"] == "oncall@a.example, cto@a.example"
    assert message["Subject"] == f"[{customer.name}] Outage opened: Invoice OCR"
    assert message["X-Continuity-Event"] == "outage.opened"
    row = EventDelivery.objects.get()
    assert message["X-Continuity-Delivery"] == row.idempotency_key
    assert "Event: outage.opened\n" in body(message)
    assert f"Outage: #{outage.pk}\n" in body(message)
    assert "Started: 2026-10-14 13:20 UTC\nEnded: ongoing\n" in body(message)
    assert '<th align="left">Workflow</th><td>Invoice OCR</td>' in body(message, "html")
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, "")


def test_an_email_endpoint_retries_when_smtp_refuses_for_now(
    settings, django_capture_on_commit_callbacks
):
    from tests.smtp import free_port, smtp_server

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens yet
    customer = CustomerFactory()
    EventEndpoint.objects.create(customer=customer, kind="email", url="mailto:ops@a.example")
    open_outage(customer, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in row.last_error

    with smtp_server(settings.EMAIL_PORT) as (inbox, _):
        assert event_deliver(delivery_id=row.pk) == "sent"
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        ("email", "mailto:", "at least one address"),
        ("email", "mailto:ops@a.example,not-an-address", "'not-an-address' is not an email"),
        ("email", "https://a.example/hook", "Enter mailto:"),
        ("email", "mailto://user:pw@gmail.com", "Apprise"),
        ("apprise", "nope://somewhere/else", "Apprise does not understand"),
        ("apprise", "https://a.example/", "Apprise does not understand"),
        ("apprise", "json://127.0.0.1:8080/hook", "OUTBOUND_ALLOWED_NETWORKS"),
        ("apprise", "json://10.1.2.3/hook", "private"),
        ("apprise", "json://[::1]:8080/hook", "loopback"),
        ("apprise", "mailtos://user:pw@example.com?smtp=127.0.0.1", "loopback"),
        ("webhook", "mailto:ops@a.example", "http:// or https://"),
        ("webhook", "http://127.0.0.1:8080/hook", "OUTBOUND_ALLOWED_NETWORKS"),
    ],
)
def test_a_url_the_kind_cannot_use_is_400_and_stores_nothing(api, kind, url, message):
    customer = CustomerFactory()
    response = create(api(make_key(customer=customer)), customer, kind, url)
    assert response.status_code == 400, response.content
    assert message in response.json()["url"][0]
    assert not EventEndpoint.objects.exists()


def test_a_hosted_service_url_whose_host_is_a_token_is_accepted(api):
    customer = CustomerFactory()
    url = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops"
    response = create(api(make_key(customer=customer)), customer, "apprise", url)
    assert response.status_code == 201, response.content
    assert EventEndpoint.objects.get().url == url


def test_an_apprise_json_url_posts_to_the_receiver(
    api, receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    url = receiver.url.replace("http://", "json://")
    created = create(api(make_key(customer=customer)), customer, "apprise", url)
    assert created.status_code == 201, created.content
    open_outage(customer, django_capture_on_commit_callbacks)

    [posted] = receiver.bodies()
    assert posted["title"] == f"[{customer.name}] Outage opened: Invoice OCR"
    assert "Event: outage.opened\n" in posted["message"]
    assert "Workflow: Invoice OCR\nSeverity: down\n" in posted["message"]
    assert EventDelivery.objects.get().state == "sent"


def test_an_apprise_failure_is_retried_and_then_delivered_once(
    receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    EventEndpoint.objects.create(
        customer=customer, kind="apprise", url=receiver.url.replace("http://", "json://")
    )
    receiver.statuses = [500]
    open_outage(customer, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "Apprise could not deliver" in row.last_error
    assert event_deliver(delivery_id=row.pk) == "sent"
    assert len(receiver.seen) == 2


def test_an_apprise_host_the_policy_refuses_is_never_contacted(
    receiver, settings, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    EventEndpoint.objects.create(
        customer=customer, kind="apprise", url=receiver.url.replace("http://", "form://")
    )
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # allowed when created, no longer when sent
    open_outage(customer, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert "loopback" in row.last_error and "OUTBOUND_ALLOWED_NETWORKS" in row.last_error
    assert receiver.seen == []


def test_a_refused_recipient_fails_the_email_at_once(smtp, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    EventEndpoint.objects.create(customer=customer, kind="email", url="mailto:gone@a.example")
    smtp.refuse = True
    open_outage(customer, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert "SMTPRecipientsRefused" in row.last_error
    assert smtp.messages == []
