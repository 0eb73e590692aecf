"""Change detection: the hourly check recomputes only the sent reports whose period a write
has touched (`FiguresTouch`), and marks those whose figures changed superseded."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from continuity.models import FiguresTouch
from reports import fingerprint
from reports.models import Report, ReportState
from reports.periods import month_containing
from reports.report_data import report_figures, report_fingerprint
from reports.services.lifecycle import (
    _period_of,
)
from reports.sla_selectors import customer_sla

_INSTANT = timedelta(microseconds=1)


def _touched_periods(touch: FiguresTouch) -> Q:
    """The customer's months that overlap the touched span, as a filter on `Report.period`."""
    zone = touch.customer.timezone
    months = Q(customer_id=touch.customer_id)
    if touch.since is not None:
        months &= Q(period__gte=month_containing(touch.since, zone).label)
    if touch.until is not None:
        months &= Q(period__lte=month_containing(touch.until - _INSTANT, zone).label)
    return months


def _figures_changed(report: Report, now: datetime) -> bool:
    """Recompute the report's figures; a version-1 fingerprint (hash of the API body) is
    compared number by number with the stored figures once, then upgraded in place."""
    sla_report = customer_sla(
        customer=report.customer, period=_period_of(report.customer, report.period), now=now
    )
    current = report_fingerprint(sla_report)
    if report.fingerprint_version == fingerprint.VERSION:
        return current != report.data_sha256
    if not fingerprint.legacy_figures_equal(report.figures, report_figures(sla_report)):
        return True
    Report.objects.filter(pk=report.pk).update(
        data_sha256=current, fingerprint_version=fingerprint.VERSION
    )
    return False


def _consume(touches: list[FiguresTouch]) -> None:
    """Clear the marks read, unless a write has widened or renewed one since."""
    if touches:
        unchanged = Q()
        for t in touches:
            unchanged |= Q(
                customer_id=t.customer_id, since=t.since, until=t.until, touched_at=t.touched_at
            )
        FiguresTouch.objects.filter(unchanged).delete()


def reports_detect_changes(*, now: datetime | None = None) -> list[int]:
    """Mark rendered reports whose figures a write has changed since (late results, a new
    exclusion, a manual outage, ...) as superseded; an operator then issues a revision.

    Only the periods writes have touched (`FiguresTouch`) are recomputed, so the cost
    follows the writes, not the size of the archive. A mark stays while a report of its
    periods waits to be rendered, as that render may or may not have seen the write.
    """
    now = now or timezone.now()
    touches = list(FiguresTouch.objects.select_related("customer"))
    if not touches:
        return []
    touched = Q()
    for touch in touches:
        touched |= _touched_periods(touch)
    reports = list(
        Report.objects.filter(touched, is_current=True, figures_changed_at=None)
        .select_related("customer")
        .order_by("pk")
    )
    rendering = {r.customer_id for r in reports if r.state == ReportState.PENDING}
    changed = [
        report.pk
        for report in reports
        if report.state != ReportState.PENDING and _figures_changed(report, now)
    ]
    Report.objects.filter(pk__in=changed).update(figures_changed_at=now)
    _consume([t for t in touches if t.customer_id not in rendering])
    return changed
