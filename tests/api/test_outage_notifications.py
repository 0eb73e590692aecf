from datetime import UTC, datetime, timedelta

import pytest

from incidents.models import DeliveryState, OutageNotification
from incidents.services.notifications import notification_send
from incidents.tasks import sweep_notifications
from tests.factories import WorkflowFactory
from tests.smtp import body, free_port

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


@pytest.fixture
def workflow(customer):
    customer.notify_outage_emails = True
    customer.report_recipients = ["oncall@acme.example", "cto@acme.example"]
    customer.save()
    return WorkflowFactory(customer=customer, name="Support chatbot")


def open_outage(client, workflow, capture):
    with capture(execute=True):
        response = client.post(
            "/api/v1/outages/",
            {"workflow": workflow.pk, "started_at": START.isoformat(), "severity": "down"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_each_event_mails_once(customer_client, workflow, smtp, django_capture_on_commit_callbacks):
    outage_id = open_outage(customer_client, workflow, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            f"/api/v1/outages/{outage_id}/updates/",
            {"status": "identified", "message": "The AI provider is down globally."},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.patch(
            f"/api/v1/outages/{outage_id}/",
            {"ended_at": (START + timedelta(hours=3)).isoformat()},
            format="json",
        )
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [
        "[Outage] Support chatbot is down",
        "[Update] Support chatbot: identified",
        "[Resolved] Support chatbot is back",
    ]
    assert smtp.messages[0]["X-Envelope-To"] == "oncall@acme.example, cto@acme.example"
    assert "The AI provider is down globally." in body(smtp.messages[1])
    assert "The AI provider is down globally." in body(smtp.messages[1], "html")
    # Sending again (a retried task, a sweep) never mails twice.
    for notification in OutageNotification.objects.all():
        assert notification_send(notification_id=notification.pk) == "skipped"
    assert sweep_notifications() == 0
    assert len(smtp.messages) == 3


def test_smtp_down_then_back_sends_once(
    customer_client, workflow, settings, django_capture_on_commit_callbacks
):
    from tests.smtp import smtp_server

    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    open_outage(customer_client, workflow, django_capture_on_commit_callbacks)
    notification = OutageNotification.objects.get()
    assert notification.state == DeliveryState.PENDING
    assert notification.attempts >= 1
    assert "ConnectionRefusedError" in notification.last_error
    OutageNotification.objects.update(created_at=START)  # old enough for the sweep
    with smtp_server(port) as (inbox, _):
        assert sweep_notifications() == 1
        assert sweep_notifications() == 0
    assert len(inbox.messages) == 1
    notification.refresh_from_db()
    assert notification.state == DeliveryState.SENT


def test_customer_not_opted_in_gets_no_mail(
    customer_client, customer, smtp, django_capture_on_commit_callbacks
):
    workflow = WorkflowFactory(customer=customer)
    open_outage(customer_client, workflow, django_capture_on_commit_callbacks)
    assert smtp.messages == []
    assert not OutageNotification.objects.exists()


def test_the_email_shows_the_event_in_the_customers_timezone(
    customer_client, customer, workflow, smtp, django_capture_on_commit_callbacks
):
    customer.timezone = "Europe/Berlin"
    customer.save()
    outage_id = open_outage(customer_client, workflow, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            f"/api/v1/outages/{outage_id}/updates/",
            {"status": "identified", "message": "Provider <api> & its fallback are down."},
            format="json",
        )
    assert body(smtp.messages[1]) == (
        f"Workflow: Support chatbot ({customer.name})\n"
        "Severity: down\n"
        "Started: 2026-10-14 15:20 CEST\n"
        "Ended: ongoing\n"
        "\n"
        "Identified: Provider <api> & its fallback are down."
    )
    html = body(smtp.messages[1], "html")
    assert "2026-10-14 15:20 CEST" in html
    assert "Provider &lt;api&gt; &amp; its fallback are down." in html
