"""Status emails about outages: opened, each update, resolved — each sent exactly once.

A notification row is written in the same transaction as the event it reports, keyed by
the event (a unique `event_key`), so re-deriving or retrying never mails twice. Delivery
claims the row with a conditional UPDATE before touching SMTP, and a periodic sweep picks
up rows whose message was lost.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents.models import (
    DeliveryState,
    NotificationEvent,
    Outage,
    OutageNotification,
    OutageUpdate,
)

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def notification_enqueue(
    *, outage: Outage, event: str, update: OutageUpdate | None = None
) -> OutageNotification | None:
    """Record that an event needs mailing (if the customer opted in) and queue its delivery."""
    customer = outage.workflow.customer
    if not (customer.notify_outage_emails and customer.report_recipients):
        return None
    key = f"outage-{outage.pk}-{event}" + (f"-{update.pk}" if update is not None else "")
    notification, created = OutageNotification.objects.get_or_create(
        event_key=key,
        defaults={
            "outage": outage,
            "event": event,
            "update": update,
            "recipients": list(customer.report_recipients),
        },
    )
    if created:
        transaction.on_commit(lambda: queue_delivery(notification.pk))
    return notification


def queue_delivery(notification_id: int) -> None:
    from incidents.tasks import send_outage_notification

    try:
        send_outage_notification.delay(notification_id)
    except Exception:
        logger.warning("could not queue notification %s; the sweep will send it", notification_id)


def _claim(notification_id: int, now: datetime) -> bool:
    claimable = Q(state=DeliveryState.PENDING) | Q(
        state=DeliveryState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    return bool(
        OutageNotification.objects.filter(claimable, pk=notification_id).update(
            state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _local(instant: datetime | None, zone: str) -> str:
    if instant is None:
        return "ongoing"
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def render_message(notification: OutageNotification) -> EmailMultiAlternatives:
    outage = notification.outage
    workflow = outage.workflow
    zone = workflow.customer.timezone
    subject = {
        NotificationEvent.OPENED: f"[Outage] {workflow.name} is {outage.severity}",
        NotificationEvent.UPDATE: f"[Update] {workflow.name}: "
        f"{getattr(notification.update, 'status', '')}",
        NotificationEvent.RESOLVED: f"[Resolved] {workflow.name} is back",
    }[notification.event]
    lines = [
        f"Workflow: {workflow.name} ({workflow.customer.name})",
        f"Severity: {outage.severity}",
        f"Started: {_local(outage.started_at, zone)}",
        f"Ended: {_local(outage.ended_at, zone)}",
    ]
    if notification.update is not None:
        lines += ["", f"{notification.update.status.title()}: {notification.update.message}"]
    message = EmailMultiAlternatives(
        subject=subject, body="\n".join(lines), to=notification.recipients
    )
    message.extra_headers["X-Continuity-Event"] = notification.event_key
    return message


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Deliver one notification if nobody else is; returns the state it ends in.

    Raises the SMTP error on a transient failure (the task retries); a permanent one, or
    the last attempt, marks it failed.
    """
    now = now or timezone.now()
    if not _claim(notification_id, now):
        return "skipped"
    notification = OutageNotification.objects.select_related(
        "outage__workflow__customer", "update"
    ).get(pk=notification_id)
    try:
        render_message(notification).send()
    except PERMANENT_SMTP_ERRORS as exc:
        _record_failure(notification, exc, final=True)
        return DeliveryState.FAILED
    except (smtplib.SMTPException, OSError) as exc:
        final = notification.attempts >= MAX_ATTEMPTS
        _record_failure(notification, exc, final=final)
        if final:
            return DeliveryState.FAILED
        raise
    OutageNotification.objects.filter(pk=notification.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error=""
    )
    return DeliveryState.SENT


def _record_failure(notification: OutageNotification, exc: Exception, *, final: bool) -> None:
    OutageNotification.objects.filter(pk=notification.pk).update(
        state=DeliveryState.FAILED if final else DeliveryState.PENDING,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )


def notifications_unsent(*, now: datetime | None = None) -> list[int]:
    """Pending rows older than a minute and stale claims: what lost messages left undone."""
    now = now or timezone.now()
    return list(
        OutageNotification.objects.filter(
            Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(minutes=1))
            | Q(state=DeliveryState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        ).values_list("pk", flat=True)
    )
