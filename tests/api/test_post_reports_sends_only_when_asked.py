"""`POST /api/v1/reports/` renders a report; it mails the recipients only with
`"send": true`, and `send/` mails a report that was rendered without."""

import pytest
import time_machine

from reports.models import Report, ReportDelivery, ReportState
from reports.tasks import monthly_reports
from tests.factories import WorkflowFactory
from tests.reports.test_monthly_reports import AFTER_OCTOBER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def generate(client, customer, capture, **extra):
    with time_machine.travel(AFTER_OCTOBER, tick=False), capture(execute=True):
        response = client.post(
            "/api/v1/reports/",
            {"customer": customer.slug, "period": "2026-10", **extra},
            format="json",
        )
    assert response.status_code in (200, 201), response.json()
    return Report.objects.get(pk=response.json()["id"])


def test_without_send_it_is_rendered_and_mailed_to_nobody(
    customer_client, customer, smtp, django_capture_on_commit_callbacks
):
    WorkflowFactory(customer=customer)
    report = generate(customer_client, customer, django_capture_on_commit_callbacks)
    assert report.state == ReportState.RENDERED and report.pdf
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        monthly_reports()  # the hourly sweep leaves it alone too
    assert smtp.messages == []
    assert Report.objects.get(pk=report.pk).state == ReportState.RENDERED
    sent = customer_client.post(f"/api/v1/reports/{report.pk}/send/")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["state"] == "sent"
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["X-Envelope-To"] == customer.report_recipients[0]
    assert ReportDelivery.objects.filter(report=report, sent_at__isnull=False).count() == 1


@pytest.mark.parametrize("send", [True, "true"])
def test_with_send_it_is_mailed_once(
    customer_client, customer, smtp, django_capture_on_commit_callbacks, send
):
    WorkflowFactory(customer=customer)
    report = generate(customer_client, customer, django_capture_on_commit_callbacks, send=send)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        monthly_reports()
    assert report.state == ReportState.SENT
    assert len(smtp.messages) == 1


def test_asking_again_with_send_mails_a_report_rendered_without(
    customer_client, customer, smtp, django_capture_on_commit_callbacks
):
    WorkflowFactory(customer=customer)
    first = generate(customer_client, customer, django_capture_on_commit_callbacks)
    again = generate(customer_client, customer, django_capture_on_commit_callbacks, send=True)
    assert again.pk == first.pk and again.state == ReportState.SENT
    generate(customer_client, customer, django_capture_on_commit_callbacks, send=True)
    assert len(smtp.messages) == 1


def test_a_bad_send_value_is_a_400_that_creates_nothing(customer_client, customer):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        response = customer_client.post(
            "/api/v1/reports/",
            {"customer": customer.slug, "period": "2026-10", "send": "maybe"},
            format="json",
        )
    assert response.status_code == 400
    assert "send" in response.json()
    assert not Report.objects.exists()
