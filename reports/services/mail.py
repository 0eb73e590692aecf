"""Report mail through `continuity.delivery`: the row is claimed with a conditional UPDATE
before any SMTP traffic, so two beats or workers racing mail once; explicit resends are
recorded deliveries of their own."""

from datetime import datetime

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from continuity import delivery
from continuity.exceptions import ConflictError, DomainError
from continuity.i18n import customer_language
from continuity.models import EventType
from incidents.services.events import report_event
from reports.models import DeliveryKind, Report, ReportDelivery, ReportState


def _message(report: Report) -> EmailMultiAlternatives:
    """The report email, written in the customer's language."""
    with customer_language(report.customer.locale):
        return _compose(report)


def _compose(report: Report) -> EmailMultiAlternatives:
    context = {
        "report": report,
        "summary": report.figures.get("summary", {}),
        "figures": report.figures,
    }
    subject = _("Continuity report %(period)s: %(customer)s") % {
        "period": report.period,
        "customer": report.customer.name,
    }
    if report.revision > 1:
        subject += " " + _("(corrected revision %(revision)s)") % {"revision": report.revision}
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
        report_event(report=report, event_type=EventType.REPORT_SENT)


def _release_held(report: Report) -> bool:
    """Let an unsent report that waits for a request be mailed once rendered."""
    released = Report.objects.filter(
        pk=report.pk,
        send_when_rendered=False,
        state__in=[ReportState.PENDING, ReportState.RENDERED],
    ).update(send_when_rendered=True, send_claimed_at=None)
    report.refresh_from_db()
    return released == 1


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
