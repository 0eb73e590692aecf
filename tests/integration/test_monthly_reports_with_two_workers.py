"""Two workers, the hourly run sent twice and every report queued again: one email each."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from continuity.models import SLAPolicy
from incidents.models import Outage
from reports.models import Report, ReportDelivery
from reports.periods import previous_month
from reports.tasks import monthly_reports, render_and_send_report
from tests import live
from tests.factories import CustomerFactory, WorkflowFactory
from tests.smtp import smtp_server

pytestmark = pytest.mark.integration


def seed(count: int) -> list:
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.9"))
    customers = []
    for index, zone in zip(
        range(count), ["UTC", "Asia/Shanghai", "America/Los_Angeles"], strict=False
    ):
        customer = CustomerFactory(timezone=zone, sla_policy=policy)
        workflow = WorkflowFactory(customer=customer)
        month = previous_month(timezone.now(), zone)
        Outage.objects.create(
            workflow=workflow,
            started_at=month.start + timedelta(days=3, hours=index),
            ended_at=month.start + timedelta(days=3, hours=index, minutes=45),
            severity="down",
            source="manual",
        )
        customers.append(customer)
    return customers


def test_one_email_per_customer_with_two_workers_and_repeated_runs(live_env, tmp_path):
    customers = seed(3)
    with smtp_server() as (inbox, port):
        env = {
            **live_env,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "MEDIA_ROOT": str(tmp_path),
        }
        with live.celery_worker(env), live.celery_worker(env):
            monthly_reports.delay()
            monthly_reports.delay()
            live.wait_until(lambda: Report.objects.count() == len(customers), timeout=60)
            for report_id in Report.objects.values_list("pk", flat=True):
                for _ in range(3):
                    render_and_send_report.delay(report_id)
            live.wait_until(
                lambda: Report.objects.filter(state="sent").count() == len(customers),
                timeout=120,
                message=lambda: str(list(Report.objects.values_list("state", "last_error"))),
            )
            live.wait_until(lambda: len(inbox.messages) >= len(customers), timeout=30)
            monthly_reports.delay()
            time.sleep(5)  # give a stray duplicate time to arrive
    recipients = sorted(m["X-Envelope-To"] for m in inbox.messages)
    assert recipients == sorted(c.report_recipients[0] for c in customers)
    for message in inbox.messages:
        [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        assert pdf.get_payload(decode=True).startswith(b"%PDF")
    assert ReportDelivery.objects.count() == len(customers)
