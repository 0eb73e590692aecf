"""A sent report is superseded when a write changes its period's numbers, through the API
or the ingest path, and never for a rename; a version-1 fingerprint is upgraded in place."""

from datetime import UTC, datetime

import pytest
import time_machine

from continuity.models import FiguresTouch
from incidents.ingest.services import probe_results_ingest
from incidents.models import Outage
from incidents.services import workflow_derive_outages
from reports import fingerprint, services
from reports.models import Report, ReportState
from tests.factories import ProbeFactory
from tests.reports.test_monthly_reports import AFTER_OCTOBER, seed_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def after_october():
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        yield


@pytest.fixture
def sent():
    customer = seed_customer()
    report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
    services.report_render(report_id=report.pk)
    Report.objects.filter(pk=report.pk).update(state=ReportState.SENT, sent_at=AFTER_OCTOBER)
    FiguresTouch.objects.all().delete()
    report.refresh_from_db()
    return report


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def rename(client, report):
    workflow = report.customer.workflows.get()
    ok(client.patch(f"/api/v1/customers/{report.customer.pk}/", {"name": "Acme Holding"}))
    ok(
        client.patch(
            f"/api/v1/workflows/{workflow.pk}/",
            # a label the impact grouping reads: a figures write, with the same numbers
            {"name": "Support assistant", "upstream_dependency": "Anthropic API"},
        )
    )


def test_renaming_a_customer_and_a_workflow_does_not_supersede_a_sent_report(staff_client, sent):
    rename(staff_client, sent)
    assert FiguresTouch.objects.filter(customer=sent.customer).exists()
    assert services.reports_detect_changes() == []
    assert not FiguresTouch.objects.exists()  # recomputed, and the mark consumed
    sent.refresh_from_db()
    assert sent.figures_changed_at is None
    assert ok(staff_client.get(f"/api/v1/reports/{sent.pk}/"))["superseded"] is False


def exclude(client, report):
    outage = Outage.objects.get()
    ok(
        client.patch(
            f"/api/v1/outages/{outage.pk}/",
            {"excluded_from_sla": True, "exclusion_reason": "provider credit agreed"},
        )
    )


def manual_outage(client, report):
    workflow = report.customer.workflows.get()
    ok(
        client.post(
            "/api/v1/outages/",
            {
                "workflow": workflow.pk,
                "started_at": "2026-10-20T08:00:00Z",
                "ended_at": "2026-10-20T08:30:00Z",
                "severity": "down",
            },
        ),
        201,
    )


def maintenance(client, report):
    ok(
        client.post(
            "/api/v1/maintenance-windows/",
            {
                "customer": report.customer.slug,
                "starts_at": "2026-10-14T13:00:00Z",
                "ends_at": "2026-10-14T15:00:00Z",
                "reason": "planned upgrade",
            },
        ),
        201,
    )


def policy_change(client, report):
    policy = report.customer.sla_policy
    ok(client.patch(f"/api/v1/sla-policies/{policy.pk}/", {"target_pct": "99.990"}))


def late_result(client, report):
    probe = ProbeFactory(workflow=report.customer.workflows.get(), locations=["eu-west"])
    items = [
        {
            "probe": probe.pk,
            "location": "eu-west",
            "observed_at": datetime(2026, 10, 20, 9, minute, tzinfo=UTC).isoformat(),
            "outcome": "down",
        }
        for minute in range(10)
    ]
    probe_results_ingest(items=items, customer_id=None, now=AFTER_OCTOBER)
    workflow_derive_outages(workflow_id=probe.workflow_id, now=AFTER_OCTOBER)


@pytest.mark.parametrize("write", [exclude, manual_outage, maintenance, policy_change, late_result])
def test_a_write_that_changes_the_periods_numbers_supersedes_it(staff_client, sent, write):
    write(staff_client, sent)
    assert services.reports_detect_changes() == [sent.pk]
    assert ok(staff_client.get(f"/api/v1/reports/{sent.pk}/"))["superseded"] is True
    assert services.reports_detect_changes() == []  # marked once


def test_a_write_in_another_month_leaves_it_alone(staff_client, sent):
    ok(
        staff_client.post(
            "/api/v1/maintenance-windows/",
            {
                "customer": sent.customer.slug,
                "starts_at": "2026-09-14T13:00:00Z",
                "ends_at": "2026-09-14T15:00:00Z",
            },
        ),
        201,
    )
    assert services.reports_detect_changes() == []
    sent.refresh_from_db()
    assert sent.figures_changed_at is None


def as_version_1(report):
    Report.objects.filter(pk=report.pk).update(fingerprint_version=1, data_sha256="0" * 64)


def test_a_version_1_report_is_upgraded_on_its_first_check_when_its_numbers_hold(
    staff_client, sent
):
    fresh = sent.data_sha256
    as_version_1(sent)
    rename(staff_client, sent)
    assert services.reports_detect_changes() == []
    sent.refresh_from_db()
    assert (sent.fingerprint_version, sent.data_sha256) == (fingerprint.VERSION, fresh)
    exclude(staff_client, sent)
    assert services.reports_detect_changes() == [sent.pk]


def test_a_version_1_report_whose_numbers_changed_is_superseded(staff_client, sent):
    as_version_1(sent)
    exclude(staff_client, sent)
    assert services.reports_detect_changes() == [sent.pk]
