"""The monthly report's life: generate → render, revise, regenerate, the monthly run.

The database is the source of truth: a report row is unique per (customer, period) while
current and rendering locks its row; the hourly run finishes what a lost message left undone.
"""

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from continuity.exceptions import ConflictError, DomainError
from continuity.i18n import customer_language
from continuity.models import Customer, EventType
from continuity.replica import reading_from_replica
from incidents.services.events import report_event
from reports import fingerprint
from reports.models import Report, ReportState
from reports.pdf import render_monthly_report
from reports.periods import Period, parse_month, previous_month
from reports.report_data import build_report_data, report_figures, report_fingerprint
from reports.services.mail import OUTBOX, _release_held
from reports.sla_selectors import customer_sla

logger = logging.getLogger(__name__)


PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _period_of(customer: Customer, label: str) -> Period:
    return parse_month(label, customer.timezone)


def report_generate(
    *,
    customer: Customer,
    period: str,
    now: datetime | None = None,
    queue: bool = True,
    send: bool = True,
) -> tuple[Report, bool]:
    """The current report for (customer, period), created pending if there is none.

    Once rendered it is mailed to the recipients only with `send`; without, it waits in the
    archive until `report_resend` sends it. `send` on an unsent report that waits, sends it.
    """
    now = now or timezone.now()
    month = _period_of(customer, period)
    if month.end > now:
        raise DomainError(
            f"{period} has not ended yet in {customer.timezone} (it ends {month.end.isoformat()}).",
            field="period",
        )
    existing = Report.objects.filter(customer=customer, period=month.label, is_current=True).first()
    if existing is not None:
        if send and _release_held(existing) and queue:
            transaction.on_commit(lambda: queue_report(existing.pk))
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                customer=customer,
                period=month.label,
                recipients=list(customer.report_recipients),
                send_when_rendered=send,
            )
    except IntegrityError:
        return Report.objects.get(customer=customer, period=month.label, is_current=True), False
    if queue:
        transaction.on_commit(lambda: queue_report(report.pk))
    return report, True


def queue_report(report_id: int) -> None:
    from reports.tasks import render_and_send_report

    try:
        render_and_send_report.delay(report_id)
    except Exception:
        logger.warning("could not queue report %s; the hourly run will", report_id)


ChangeLog = Callable[[Customer, datetime], list[str]]


_change_logs: list[ChangeLog] = []


def register_change_log(source: ChangeLog) -> None:
    """A source of "who changed what since" lines for revision notes. The audit app
    registers one at start-up, so a revision names who changed its figures without
    `reports` importing `audit` (which sits above it)."""
    if source not in _change_logs:
        _change_logs.append(source)


def _who_changed(previous: Report) -> str:
    since = previous.sent_at or previous.rendered_at
    if since is None:
        return ""
    lines = [line for source in _change_logs for line in source(previous.customer, since)]
    if not lines:
        return ""
    return f" Changes since revision {previous.revision}: " + "; ".join(lines) + "."


def _revision_note(previous: Report | None, figures: dict) -> str:
    if previous is None or not previous.figures:
        return ""
    old = {row["workflow"]: row for row in previous.figures.get("workflows", [])}
    changes = []
    for row in figures.get("workflows", []):
        before = old.get(row["workflow"])
        if before is None:
            changes.append(f"{row['name']}: new in this revision")
            continue
        for key in ("availability_display", "down_minutes", "degraded_minutes", "credit_pct"):
            if before.get(key) != row.get(key):
                changes.append(f"{row['name']}: {key} {before.get(key)} → {row.get(key)}")
    summary = "; ".join(changes) or "Figures unchanged."
    return "Corrected revision. " + summary + _who_changed(previous)


def report_render(*, report_id: int, now: datetime | None = None) -> Report | None:
    """Render a pending report's PDF; a no-op for a report another worker holds or did."""
    now = now or timezone.now()
    pending = Report.objects.select_related("customer").filter(
        pk=report_id, state=ReportState.PENDING
    )
    queued = pending.first()
    if queued is None:
        return None
    # The figures are read before the row is locked, so a replica that has replayed all the
    # primary had committed when rendering began may serve them (continuity/replica.py).
    with reading_from_replica(caught_up=True):
        sla_report = customer_sla(
            customer=queued.customer, period=_period_of(queued.customer, queued.period), now=now
        )
    with transaction.atomic():
        report = pending.select_for_update(skip_locked=True).first()
        if report is None:
            return None
        figures = report_figures(sla_report)
        data_sha = report_fingerprint(sla_report)
        previous = getattr(report, "supersedes", None)
        note = report.revision_note or _revision_note(previous, figures)
        with customer_language(report.customer.locale):
            pdf = render_monthly_report(
                build_report_data(
                    sla_report,
                    report_id=f"{report.customer.slug}-{report.period}-{report.pk}",
                    revision=report.revision,
                    data_sha256=data_sha,
                    note=note,
                )
            )
        report.pdf.save(f"{report.period}.pdf", ContentFile(pdf), save=False)
        report.sha256 = hashlib.sha256(pdf).hexdigest()
        report.page_count = len(PAGE_OBJECT.findall(pdf))
        report.data_sha256 = data_sha
        report.fingerprint_version = fingerprint.VERSION
        report.figures_changed_at = None
        report.figures = figures
        report.revision_note = note
        report.state = ReportState.RENDERED
        report.rendered_at = now
        report.save()
    return report


def report_issue_revision(*, report: Report, now: datetime | None = None) -> Report:
    """A corrected revision of a sent report; the original stays in the archive unchanged."""
    if not report.is_current:
        raise ConflictError("Only the current report of a period can be revised.")
    if report.state != ReportState.SENT:
        raise ConflictError("Only a sent report is revised; regenerate an unsent one instead.")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not locked.is_current:
            raise ConflictError("This report was revised already.")
        Report.objects.filter(pk=locked.pk).update(is_current=False)
        revision = Report.objects.create(
            customer=locked.customer,
            period=locked.period,
            revision=locked.revision + 1,
            recipients=list(locked.customer.report_recipients),
        )
        Report.objects.filter(pk=locked.pk).update(superseded_by=revision)
        report_event(
            report=locked, event_type=EventType.REPORT_SUPERSEDED, data={"by": revision.pk}
        )
        transaction.on_commit(lambda: queue_report(revision.pk))
    return revision


def report_regenerate(*, report: Report) -> Report:
    """Render an unsent report again (e.g. after fixing data); a sent one needs a revision."""
    if report.state == ReportState.SENT:
        raise ConflictError("A sent report is never altered; issue a corrected revision.")
    Report.objects.filter(pk=report.pk).update(
        state=ReportState.PENDING,
        send_claimed_at=None,
        last_error="",
        failure_is_permanent=False,
        figures_changed_at=None,
        message_id="",  # new content, a new message: a client must not fold it into the old
    )
    transaction.on_commit(lambda: queue_report(report.pk))
    report.refresh_from_db()
    return report


def reports_monthly_run(
    *,
    now: datetime | None = None,
    period: str | None = None,
    customer_slug: str | None = None,
    dry_run: bool = False,
) -> list[tuple[Customer, str, str]]:
    """Create the reports of every customer whose local month has ended; returns
    (customer, period, what happened) for each customer considered."""
    now = now or timezone.now()
    customers = Customer.objects.order_by("slug")
    if customer_slug:
        customers = customers.filter(slug=customer_slug)
    done = []
    for customer in customers:
        label = period or previous_month(now, customer.timezone).label
        existing = Report.objects.filter(customer=customer, period=label, is_current=True).first()
        if existing is not None:
            done.append((customer, label, f"exists ({existing.state})"))
            continue
        if dry_run:
            done.append((customer, label, "would generate"))
            continue
        try:
            report_generate(customer=customer, period=label, now=now)
        except DomainError as exc:
            done.append((customer, label, exc.message))
            continue
        done.append((customer, label, "generated"))
    return done


def reports_unfinished(*, now: datetime | None = None) -> list[int]:
    """Reports a lost message or an SMTP outage left: pending, unsent, transiently failed."""
    now = now or timezone.now()
    return list(
        Report.objects.filter(
            Q(state=ReportState.PENDING, created_at__lt=now - timedelta(minutes=5))
            | OUTBOX.claimable(now)
            | Q(state=ReportState.FAILED, failure_is_permanent=False, pdf__gt="")
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def report_retry_failed(*, report_id: int) -> None:
    """Put a transiently failed report back in line to be sent."""
    Report.objects.filter(
        pk=report_id, state=ReportState.FAILED, failure_is_permanent=False
    ).update(state=ReportState.RENDERED, send_claimed_at=None)
