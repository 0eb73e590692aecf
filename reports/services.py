"""The monthly report's life: generate → render → send, once per customer and period.

The database is the source of truth. A report row is unique per (customer, period) while
current; rendering locks its row; sending goes through `continuity.delivery`, which claims
the row with a conditional UPDATE before any SMTP traffic, so two beats or two workers
racing mail once. The hourly run retries what a lost message or an SMTP outage left undone.
"""

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from continuity import delivery
from continuity.exceptions import ConflictError, DomainError
from continuity.models import Customer, FiguresTouch
from reports import fingerprint
from reports.models import DeliveryKind, Report, ReportDelivery, ReportState
from reports.pdf import render_monthly_report
from reports.periods import Period, month_containing, parse_month, previous_month
from reports.report_data import build_report_data, report_figures, report_fingerprint
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


def _release_held(report: Report) -> bool:
    """Let an unsent report that waits for a request be mailed once rendered."""
    released = Report.objects.filter(
        pk=report.pk,
        send_when_rendered=False,
        state__in=[ReportState.PENDING, ReportState.RENDERED],
    ).update(send_when_rendered=True, send_claimed_at=None)
    report.refresh_from_db()
    return released == 1


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
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(skip_locked=True)
            .select_related("customer")
            .filter(pk=report_id, state=ReportState.PENDING)
            .first()
        )
        if report is None:
            return None
        sla_report = customer_sla(
            customer=report.customer, period=_period_of(report.customer, report.period), now=now
        )
        figures = report_figures(sla_report)
        data_sha = report_fingerprint(sla_report)
        previous = getattr(report, "supersedes", None)
        note = report.revision_note or _revision_note(previous, figures)
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


def _message(report: Report) -> EmailMultiAlternatives:
    context = {
        "report": report,
        "summary": report.figures.get("summary", {}),
        "figures": report.figures,
    }
    subject = f"Continuity report {report.period}: {report.customer.name}"
    if report.revision > 1:
        subject += f" (corrected revision {report.revision})"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/email.txt", context),
        to=report.recipients,
    )
    message.attach_alternative(render_to_string("reports/email.html", context), "text/html")
    with report.pdf.open("rb") as pdf:
        message.attach(
            f"continuity-{report.customer.slug}-{report.period}-rev{report.revision}.pdf",
            pdf.read(),
            "application/pdf",
        )
    message.extra_headers["X-Continuity-Report"] = f"{report.pk}"
    return message


def _record_sent(report: Report, sent_at: datetime) -> None:
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            state=ReportState.SENT, sent_at=sent_at, last_error="", send_claimed_at=None
        )
        ReportDelivery.objects.create(
            report=report,
            kind=DeliveryKind.SCHEDULED,
            recipients=report.recipients,
            sent_at=sent_at,
        )


OUTBOX = delivery.Outbox(
    model=Report,
    waiting=Q(state=ReportState.RENDERED, send_when_rendered=True),
    claimed_field="send_claimed_at",
    compose=_message,
    record_sent=_record_sent,
    on_retry={"failure_is_permanent": False},
    on_failure=lambda permanent: {
        "state": ReportState.FAILED,
        "failure_is_permanent": permanent,
    },
    related=("customer",),
)


def report_send(*, report_id: int, now: datetime | None = None) -> delivery.Delivery:
    """Mail a rendered report once. Transient SMTP errors are raised for the task to retry
    (and the row stays rendered) until the last attempt marks it failed."""
    return delivery.deliver(OUTBOX, report_id, now=now)


def report_resend(*, report: Report, requested_by: str = "") -> ReportDelivery:
    """An explicit resend of a sent (or failed) report, recorded as its own delivery; the
    first mailing of a rendered one that was generated without `send`."""
    if report.state == ReportState.RENDERED and not report.send_when_rendered:
        return _send_held(report)
    if report.state not in (ReportState.SENT, ReportState.FAILED) or not report.pdf:
        raise ConflictError(
            f"Report {report.pk} is {report.state}; only a sent or failed one can be resent."
        )
    resend = ReportDelivery.objects.create(
        report=report,
        kind=DeliveryKind.RESEND,
        requested_by=requested_by,
        recipients=list(report.customer.report_recipients or report.recipients),
    )
    try:
        message = _message(report)
        message.to = resend.recipients
        delivery.send(message, then=lambda: _record_resent(report, resend, timezone.now()))
    except delivery.TRANSIENT_ERRORS as exc:
        resend.error = delivery.describe(exc)
        resend.save(update_fields=["error"])
        raise DomainError(f"Resend failed: {resend.error}") from exc
    return resend


def _send_held(report: Report) -> ReportDelivery:
    if not _release_held(report):
        raise ConflictError(f"Report {report.pk} is {report.state}; it is being sent already.")
    try:
        outcome = report_send(report_id=report.pk)
    except delivery.TRANSIENT_ERRORS as exc:
        raise DomainError(
            f"Sending failed: {delivery.describe(exc)}; the hourly run tries again."
        ) from exc
    if outcome.state != delivery.SENT:
        raise DomainError(f"Sending failed: {outcome.error or outcome.state}.")
    report.refresh_from_db()
    return report.deliveries.latest("pk")


def _record_resent(report: Report, resend: ReportDelivery, sent_at: datetime) -> None:
    with transaction.atomic():
        ReportDelivery.objects.filter(pk=resend.pk).update(sent_at=sent_at)
        if report.state == ReportState.FAILED:
            Report.objects.filter(pk=report.pk).update(
                state=ReportState.SENT, sent_at=sent_at, last_error=""
            )
    resend.sent_at = sent_at


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
