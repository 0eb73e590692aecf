"""The report archive: every report per customer and period, its PDF, and the operator's
regenerate / resend / revise / generate buttons through reports.services."""

import pytest
from django.core import mail

from reports import services
from reports.models import Report, ReportDelivery, ReportState


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def rendered(world):
    report, _ = services.report_generate(customer=world.customer, period="2026-09", queue=False)
    return services.report_render(report_id=report.pk)


@pytest.fixture
def sent(rendered):
    Report.objects.filter(pk=rendered.pk).update(state=ReportState.SENT)
    rendered.refresh_from_db()
    return rendered


def archive(client, query="") -> str:
    response = client.get(f"/console/reports/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_lists_reports_with_state_and_pdf_link(rendered, readonly_client):
    html = archive(readonly_client)
    assert f'data-report="{rendered.pk}"' in html
    assert "2026-09" in html
    assert 'rstate-rendered">rendered' in html
    assert f'href="/api/v1/reports/{rendered.pk}/pdf/"' in html
    assert rendered.sha256[:12] in html
    # read-only staff see no buttons
    assert "Regenerate" not in html and 'id="generate-form"' not in html


def test_the_pdf_link_works_for_a_staff_session(rendered, readonly_client):
    response = readonly_client.get(f"/api/v1/reports/{rendered.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_filters_by_customer_and_period(rendered, readonly_client):
    assert f'data-report="{rendered.pk}"' in archive(readonly_client, "?customer=acme-1")
    assert f'data-report="{rendered.pk}"' not in archive(readonly_client, "?customer=other")
    assert f'data-report="{rendered.pk}"' not in archive(readonly_client, "?period=2026-08")
    assert f'data-report="{rendered.pk}"' in archive(readonly_client, "?state=rendered")


def test_regenerate_an_unsent_report(rendered, operator_client):
    html = archive(operator_client)
    assert f"/console/reports/{rendered.pk}/regenerate/" in html
    response = operator_client.post(
        f"/console/reports/{rendered.pk}/regenerate/", {"next": "/console/reports/?period=2026-09"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/reports/?period=2026-09"
    rendered.refresh_from_db()
    assert rendered.state == ReportState.PENDING
    assert "queued to render again" in archive(operator_client)


def test_a_sent_report_is_not_regenerated(sent, operator_client):
    response = operator_client.post(f"/console/reports/{sent.pk}/regenerate/", follow=True)
    assert (
        "A sent report is never altered; issue a corrected revision." in response.content.decode()
    )
    sent.refresh_from_db()
    assert sent.state == ReportState.SENT


def test_resend_mails_it_again_and_records_the_delivery(sent, operator_client):
    response = operator_client.post(f"/console/reports/{sent.pk}/resend/", follow=True)
    assert "resent to its recipients" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@acme-1.example"]
    delivery = ReportDelivery.objects.get(report=sent)
    assert (delivery.kind, delivery.requested_by) == ("resend", "olga")


def test_issue_a_corrected_revision(sent, operator_client):
    html = archive(operator_client)
    assert f"/console/reports/{sent.pk}/revise/" in html
    assert "data-confirm=" in html
    response = operator_client.post(f"/console/reports/{sent.pk}/revise/", follow=True)
    assert "corrected revision queued" in response.content.decode()
    revision = Report.objects.get(customer=sent.customer, period="2026-09", is_current=True)
    assert revision.revision == 2
    sent.refresh_from_db()
    assert sent.superseded_by == revision


def test_generate_refuses_a_month_that_has_not_ended(world, operator_client):
    response = operator_client.post(
        "/console/reports/generate/",
        {"customer": world.customer.slug, "period": "2026-10"},
        follow=True,
    )
    assert "has not ended yet" in response.content.decode()
    assert not Report.objects.exists()


def test_generate_a_past_month(world, operator_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = operator_client.post(
            "/console/reports/generate/",
            {"customer": world.customer.slug, "period": "2026-08"},
            follow=True,
        )
    assert "Acme 1 GmbH 2026-08: report queued." in response.content.decode()
    assert Report.objects.get().state == ReportState.PENDING


def test_the_next_parameter_cannot_leave_the_site(rendered, operator_client):
    response = operator_client.post(
        f"/console/reports/{rendered.pk}/regenerate/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/console/reports/"


def test_console_resends_share_the_explicit_resend_limit(sent, operator_client, settings):
    rest = settings.REST_FRAMEWORK
    rates = {**rest["DEFAULT_THROTTLE_RATES"], "report_send": "2/hour"}
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": rates}
    answers = [operator_client.post(f"/console/reports/{sent.pk}/resend/") for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 3600
    assert len(mail.outbox) == 2
