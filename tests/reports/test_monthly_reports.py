import contextlib
import io
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from pypdf import PdfReader

from continuity import delivery
from continuity.models import SLAPolicy
from incidents.models import Outage
from incidents.services import outage_update
from reports import services
from reports.models import Report, ReportState
from reports.tasks import monthly_reports
from tests.factories import CustomerFactory, WorkflowFactory
from tests.smtp import free_port, smtp_server

AFTER_OCTOBER = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def seed_customer(**kwargs):
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.900"))
    customer = CustomerFactory(sla_policy=policy, **kwargs)
    workflow = WorkflowFactory(customer=customer, name="客服机器人 Support bot")
    Outage.objects.create(
        workflow=workflow,
        started_at=datetime(2026, 10, 14, 13, 20, tzinfo=UTC),
        ended_at=datetime(2026, 10, 14, 14, 10, tzinfo=UTC),
        severity="down",
        source="probe",
    )
    return customer


def pdf_text(report: Report) -> str:
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_pdf_shows_the_same_figures_as_the_sla_api(staff_client, media):
    customer = seed_customer(name="开元物流 Kaiyuan Logistics", timezone="Asia/Shanghai")
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
        services.report_render(report_id=report.pk)
        api = staff_client.get(f"/api/v1/sla/?customer={customer.slug}&period=2026-10").json()
    report.refresh_from_db()
    assert report.state == ReportState.RENDERED
    assert len(report.sha256) == 64
    text, pages = pdf_text(report)
    assert pages >= 3
    assert "开元物流" in text
    assert "2026-10" in text
    display = api["workflows"][0]["availability_display"]
    assert display == "99.887"  # 100 × (1 − 50 / 44,640)
    assert display in text
    assert (
        report.figures["workflows"][0]["availability_pct"]
        == api["workflows"][0]["availability_pct"]
    )


@pytest.mark.django_db(transaction=True)
def test_one_message_per_customer_when_the_run_repeats_and_senders_race(smtp, media):
    customers = [seed_customer(), seed_customer()]
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        services.reports_monthly_run()  # beat tick 1 (eager: renders and sends)
        monthly_reports()  # beat tick 2
        reports = list(Report.objects.all())
        errors = []

        def race(report_id):
            try:
                services.report_send(report_id=report_id)
            except Exception as exc:  # pragma: no cover - shown in the assert
                errors.append(exc)
            finally:
                connection.close()  # back to the pool: a thread's connection is not closed for it

        threads = [threading.Thread(target=race, args=(r.pk,)) for r in reports for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(reports) == 2
    assert len(smtp.messages) == 2
    recipients = sorted(m["X-Envelope-To"] for m in smtp.messages)
    assert recipients == sorted(c.report_recipients[0] for c in customers)
    for message in smtp.messages:
        attachments = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        assert len(attachments) == 1
        assert attachments[0].get_payload(decode=True).startswith(b"%PDF")
    assert {r.state for r in Report.objects.all()} == {ReportState.SENT}


@pytest.mark.django_db(transaction=True)
def test_smtp_down_fails_with_attempts_then_sends_once(settings, media):
    customer = seed_customer()
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
        services.report_render(report_id=report.pk)
        for _ in range(delivery.max_attempts()):
            with contextlib.suppress(OSError):
                services.report_send(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert report.attempts == delivery.max_attempts()
    assert "ConnectionRefusedError" in report.last_error
    with smtp_server(port) as (inbox, _), time_machine.travel(AFTER_OCTOBER, tick=False):
        monthly_reports()
        monthly_reports()
    assert len(inbox.messages) == 1
    report.refresh_from_db()
    assert report.state == ReportState.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone, month_ends_at",
    [
        ("Asia/Shanghai", datetime(2026, 10, 31, 16, 0, tzinfo=UTC)),
        ("America/Los_Angeles", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_report_waits_for_the_month_to_end_in_the_customers_timezone(media, zone, month_ends_at):
    customer = CustomerFactory(timezone=zone)
    WorkflowFactory(customer=customer)
    outcomes = services.reports_monthly_run(
        now=month_ends_at - timedelta(seconds=1), period="2026-10"
    )
    assert outcomes[0][2].startswith("2026-10 has not ended yet")
    assert not Report.objects.exists()
    previous = services.reports_monthly_run(now=month_ends_at - timedelta(seconds=1))
    assert previous[0][1] == "2026-09"  # the month that had ended by then
    Report.objects.all().delete()
    services.reports_monthly_run(now=month_ends_at)
    assert Report.objects.get().period == "2026-10"


@pytest.mark.django_db
def test_changed_figures_mark_a_sent_report_superseded_and_a_revision_keeps_both(
    smtp, media, staff_client
):
    customer = seed_customer()
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
        services.report_render(report_id=report.pk)
        services.report_send(report_id=report.pk)
        assert services.reports_detect_changes() == []
        outage_update(
            outage=Outage.objects.get(),
            excluded_from_sla=True,
            exclusion_reason="provider credit agreed",
        )
        assert services.reports_detect_changes() == [report.pk]
        listed = staff_client.get(f"/api/v1/reports/{report.pk}/").json()
        assert listed["superseded"] is True
        revision = services.report_issue_revision(report=Report.objects.get(pk=report.pk))
        services.report_render(report_id=revision.pk)
        services.report_send(report_id=revision.pk)
    original = Report.objects.get(pk=report.pk)
    revision.refresh_from_db()
    assert (original.is_current, original.superseded_by_id) == (False, revision.pk)
    assert original.state == ReportState.SENT and original.pdf
    assert revision.revision == 2 and revision.state == ReportState.SENT
    assert "availability_display 99.887 → 100.000" in revision.revision_note
    assert len(smtp.messages) == 2
    assert "corrected revision 2" in smtp.messages[1]["Subject"]
