from datetime import UTC, datetime

import pytest
import time_machine

from reports.models import Report, ReportDelivery
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

AFTER_OCTOBER = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_generate_download_and_resend(
    customer_client, customer, smtp, media, django_capture_on_commit_callbacks
):
    WorkflowFactory(customer=customer)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = customer_client.post(
                "/api/v1/reports/",
                {"customer": customer.slug, "period": "2026-10", "send": True},
                format="json",
            )
        assert response.status_code == 201, response.json()
        report_id = response.json()["id"]
        again = customer_client.post(
            "/api/v1/reports/", {"customer": customer.slug, "period": "2026-10"}, format="json"
        )
    assert again.status_code == 200
    assert again.json()["id"] == report_id
    detail = customer_client.get(f"/api/v1/reports/{report_id}/").json()
    assert detail["state"] == "sent"
    assert len(detail["sha256"]) == 64
    pdf = customer_client.get(f"/api/v1/reports/{report_id}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    resent = customer_client.post(f"/api/v1/reports/{report_id}/send/")
    assert resent.status_code == 200
    assert len(smtp.messages) == 2
    assert list(ReportDelivery.objects.values_list("kind", flat=True)) == ["scheduled", "resend"]
    listed = customer_client.get("/api/v1/reports/?period=2026-10&state=sent").json()
    assert [r["id"] for r in listed["results"]] == [report_id]


@pytest.mark.parametrize("period", ["2026-13", "october", "2099-01"])
def test_bad_or_unfinished_period_is_rejected(customer_client, customer, period):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        response = customer_client.post(
            "/api/v1/reports/", {"customer": customer.slug, "period": period}, format="json"
        )
    assert response.status_code == 400
    assert "period" in response.json()
    assert not Report.objects.exists()


def test_reports_are_tenant_scoped(customer_client, media):
    other = CustomerFactory()
    report = Report.objects.create(customer=other, period="2026-10")
    assert customer_client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert customer_client.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404
    assert customer_client.post(f"/api/v1/reports/{report.pk}/send/").status_code == 404
    response = customer_client.post(
        "/api/v1/reports/", {"customer": other.slug, "period": "2026-10"}, format="json"
    )
    assert response.status_code == 400
    assert customer_client.get("/api/v1/reports/").json()["results"] == []
