"""The hourly change check recomputes the reports whose period a write touched, not the
archive: with 1,000 sent reports and one touched period it recomputes one."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuity.models import Customer, FiguresTouch
from incidents.models import Outage
from incidents.services import outage_update
from reports import fingerprint, services
from reports.models import Report, ReportState
from tests.reports.test_monthly_reports import AFTER_OCTOBER, seed_customer

pytestmark = pytest.mark.django_db

PERIODS = [f"2026-{month:02d}" for month in range(1, 11)]
STALE = "f" * 64  # any recompute of these would differ, and mark the report changed


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def archive(customers: int) -> None:
    """`customers` × 10 sent reports whose stored fingerprints no recompute matches."""
    Customer.objects.bulk_create(
        Customer(slug=f"archived-{n}", name=f"Archived {n}") for n in range(customers)
    )
    Report.objects.bulk_create(
        Report(
            customer=customer,
            period=period,
            state=ReportState.SENT,
            data_sha256=STALE,
            fingerprint_version=fingerprint.VERSION,
        )
        for customer in Customer.objects.filter(slug__startswith="archived-")
        for period in PERIODS
    )


def touched_customer() -> Report:
    """A customer with its own stale September report and a properly sent October one."""
    customer = seed_customer()
    Report.objects.create(
        customer=customer,
        period="2026-09",
        state=ReportState.SENT,
        data_sha256=STALE,
        fingerprint_version=fingerprint.VERSION,
    )
    report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
    services.report_render(report_id=report.pk)
    Report.objects.filter(pk=report.pk).update(state=ReportState.SENT)
    FiguresTouch.objects.all().delete()
    return report


def check(django_assert_num_queries) -> tuple[list[int], list[str]]:
    # touches, candidate reports, one customer's SLA inputs (workflows and their policies,
    # tiers and runbooks; outages; no-data spans; probes' first results; maintenance;
    # fallbacks), mark, consume
    with django_assert_num_queries(12), CaptureQueriesContext(connection) as queries:
        changed = services.reports_detect_changes()
    return changed, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("archived_customers", [1, 100])
def test_one_touched_period_among_1000_sent_reports_is_the_one_recomputed(
    django_assert_num_queries, archived_customers
):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        archive(archived_customers)
        october = touched_customer()
        assert Report.objects.filter(state=ReportState.SENT).count() == 10 * archived_customers + 2
        outage_update(
            outage=Outage.objects.get(), excluded_from_sla=True, exclusion_reason="agreed"
        )
        changed, sql = check(django_assert_num_queries)
    assert changed == [october.pk]
    assert sum('FROM "incidents_outage"' in q for q in sql) == 1  # one report recomputed
    assert list(Report.objects.exclude(figures_changed_at=None).values_list("pk", flat=True)) == [
        october.pk
    ]
    assert not FiguresTouch.objects.exists()
    with django_assert_num_queries(1):
        assert services.reports_detect_changes() == []


def test_a_mark_waits_while_a_report_of_its_period_is_being_rendered(django_assert_num_queries):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        october = touched_customer()
        Report.objects.filter(pk=october.pk).update(state=ReportState.PENDING)
        outage_update(
            outage=Outage.objects.get(), excluded_from_sla=True, exclusion_reason="agreed"
        )
        assert services.reports_detect_changes() == []
        assert FiguresTouch.objects.exists()
        services.report_render(report_id=october.pk)
        assert services.reports_detect_changes() == []  # rendered after the write
    assert not FiguresTouch.objects.exists()
