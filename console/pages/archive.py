"""The report archive: every report (all revisions) per customer and period, paginated."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.urls import reverse

from continuity import formatting
from continuity.models import Customer
from reports.models import Report, ReportState

PAGE_SIZE = 50


@dataclass(frozen=True)
class ArchiveFilters:
    customer: str = ""
    period: str = ""
    state: str = ""

    @classmethod
    def from_query(cls, params) -> "ArchiveFilters":
        state = params.get("state", "")
        return cls(
            customer=params.get("customer", "").strip(),
            period=params.get("period", "").strip(),
            state=state if state in ReportState.values else "",
        )


@dataclass(frozen=True)
class ReportRow:
    report: Report

    @property
    def tz(self) -> str:
        return self.report.customer.timezone

    @property
    def rendered(self) -> str:
        return formatting.local_time(self.report.rendered_at, self.tz)

    @property
    def sent(self) -> str:
        return formatting.local_time(self.report.sent_at, self.tz)

    @property
    def pdf_url(self) -> str | None:
        return f"/api/v1/reports/{self.report.pk}/pdf/" if self.report.pdf else None

    @property
    def csv_url(self) -> str:
        """The period's figures as `sla/` computes them now (a revision may follow)."""
        query = {"customer": self.report.customer.slug, "period": self.report.period}
        return f"{reverse('sla')}?{urlencode({**query, 'format': 'csv'})}"

    @property
    def can_regenerate(self) -> bool:
        return self.report.state != ReportState.SENT

    @property
    def can_resend(self) -> bool:
        return self.report.state in (ReportState.SENT, ReportState.FAILED) and bool(self.report.pdf)

    @property
    def can_revise(self) -> bool:
        return self.report.is_current and self.report.state == ReportState.SENT


@dataclass(frozen=True)
class Archive:
    filters: ArchiveFilters
    page: Page
    rows: list[ReportRow]
    customers: list[Customer]
    periods: list[str]
    states: list[str]


def report_archive_get(*, filters: ArchiveFilters, page: str | int | None) -> Archive:
    reports = (
        Report.objects.select_related("customer")
        .annotate(delivery_count=Count("deliveries"))
        .order_by("-period", "customer__name", "-revision")
    )
    if filters.customer:
        reports = reports.filter(customer__slug=filters.customer)
    if filters.period:
        reports = reports.filter(period=filters.period)
    if filters.state:
        reports = reports.filter(state=filters.state)
    current = Paginator(reports, PAGE_SIZE).get_page(page)
    periods = list(
        Report.objects.order_by("-period").values_list("period", flat=True).distinct()[:36]
    )
    return Archive(
        filters=filters,
        page=current,
        rows=[ReportRow(report) for report in current.object_list],
        customers=list(Customer.objects.order_by("name").only("slug", "name")),
        periods=periods,
        states=list(ReportState.values),
    )
