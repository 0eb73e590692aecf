"""Status emails about outages: opened, each update, resolved — each mailed once.

A notification row is written in the same transaction as the event it reports, keyed by
the event (a unique `event_key`), so re-deriving or retrying never adds a second one. It
is mailed through `continuity.delivery` (claim, attempts, retries, one Message-ID for
every attempt), and a periodic sweep picks up rows whose message was lost.
"""

import logging
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from continuity import delivery, formatting
from continuity.i18n import customer_language
from continuity.models import EventType
from incidents.models import (
    DeliveryState,
    NotificationEvent,
    Outage,
    OutageNotification,
    OutageUpdate,
)
from incidents.services.events import outage_event

logger = logging.getLogger(__name__)

OUTAGE_EVENTS = {
    NotificationEvent.OPENED: EventType.OUTAGE_OPENED,
    NotificationEvent.UPDATE: EventType.OUTAGE_UPDATED,
    NotificationEvent.RESOLVED: EventType.OUTAGE_RESOLVED,
}

# A row the task has not claimed within this long is the sweep's to send.
SWEEP_AFTER = timedelta(minutes=1)


def notification_enqueue(
    *, outage: Outage, event: str, update: OutageUpdate | None = None
) -> OutageNotification | None:
    """Record that an event needs mailing (if the customer opted in) and queue its delivery;
    the customer's event endpoints are owed it too."""
    customer = outage.workflow.customer
    key = f"outage-{outage.pk}-{event}" + (f"-{update.pk}" if update is not None else "")
    outage_event(outage=outage, event_type=OUTAGE_EVENTS[event], key=key)
    if not (customer.notify_outage_emails and customer.report_recipients):
        return None
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


def _local(instant: datetime | None, zone: str) -> str:
    return _("ongoing") if instant is None else formatting.local_time(instant, zone)


def _word(value: str) -> str:
    """A stored severity or update status in the active language."""
    words = {
        "down": _("down"),
        "degraded": _("degraded"),
        "investigating": _("investigating"),
        "identified": _("identified"),
        "monitoring": _("monitoring"),
        "resolved": _("resolved"),
    }
    return words.get(value, value)


def _subject(notification: OutageNotification) -> str:
    outage = notification.outage
    name = outage.workflow.name
    if notification.event == NotificationEvent.OPENED:
        return _("[Outage] %(workflow)s is %(severity)s") % {
            "workflow": name,
            "severity": _word(outage.severity),
        }
    if notification.event == NotificationEvent.UPDATE:
        status = getattr(notification.update, "status", "")
        return _("[Update] %(workflow)s: %(status)s") % {"workflow": name, "status": _word(status)}
    return _("[Resolved] %(workflow)s is back") % {"workflow": name}


def render_message(notification: OutageNotification) -> EmailMultiAlternatives:
    """The outage email, written in the customer's language."""
    with customer_language(notification.outage.workflow.customer.locale):
        return _compose(notification)


def _compose(notification: OutageNotification) -> EmailMultiAlternatives:
    outage = notification.outage
    zone = outage.workflow.customer.timezone
    context = {
        "outage": outage,
        "workflow": outage.workflow,
        "customer": outage.workflow.customer,
        "update": notification.update,
        "severity": _word(outage.severity),
        "update_status": _word(getattr(notification.update, "status", "")),
        "started": _local(outage.started_at, zone),
        "ended": _local(outage.ended_at, zone),
    }
    message = EmailMultiAlternatives(
        subject=_subject(notification),
        body=render_to_string("incidents/outage_email.txt", context),
        to=notification.recipients,
    )
    message.attach_alternative(
        render_to_string("incidents/outage_email.html", context), "text/html"
    )
    message.extra_headers["X-Continuity-Event"] = notification.event_key
    return message


def _record_sent(notification: OutageNotification, sent_at: datetime) -> None:
    OutageNotification.objects.filter(pk=notification.pk).update(
        state=DeliveryState.SENT, sent_at=sent_at, last_error=""
    )


OUTBOX = delivery.Outbox(
    model=OutageNotification,
    waiting=Q(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
    claimed_field="claimed_at",
    compose=render_message,
    record_sent=_record_sent,
    on_claim={"state": DeliveryState.SENDING},
    on_retry={"state": DeliveryState.PENDING},
    on_failure=lambda permanent: {"state": DeliveryState.FAILED},
    related=("outage__workflow__customer", "update"),
)


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Deliver one notification if nobody else is; returns the state it ends in.

    Raises the SMTP error on a transient failure (the task retries); a permanent one, or
    the last attempt, marks it failed.
    """
    return delivery.deliver(OUTBOX, notification_id, now=now).state


def notifications_unsent(*, now: datetime | None = None) -> list[int]:
    """Rows nobody holds that the task should have sent by now: what lost messages left."""
    now = now or timezone.now()
    return list(
        OutageNotification.objects.filter(
            OUTBOX.claimable(now), created_at__lt=now - SWEEP_AFTER
        ).values_list("pk", flat=True)
    )
