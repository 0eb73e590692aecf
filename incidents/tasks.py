"""Celery tasks: thin, idempotent, keyed on database state."""

from celery import shared_task
from django.db import OperationalError

from continuity import delivery
from incidents import services
from incidents.services import events, fallbacks, notifications, partitions


@shared_task(
    name="incidents.derive_workflow_outages",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def derive_workflow_outages(workflow_id: int) -> dict:
    summary = services.workflow_derive_outages(workflow_id=workflow_id, only_pending=True)
    if summary is None:
        return {"workflow": workflow_id, "skipped": "already derived"}
    return {"workflow": summary.workflow_id, "created": summary.created, "state": summary.state}


@shared_task(name="incidents.sweep_derivations", acks_late=True)
def sweep_derivations() -> int:
    """Derive what a lost message or a broker outage left undone, and close stale spans.

    Returns how many workflows were swept; failures are logged and counted by the service.
    """
    return services.workflows_derive_pending().swept


@shared_task(name="incidents.send_outage_notification", **delivery.task_retry_options())
def send_outage_notification(notification_id: int) -> str:
    return notifications.notification_send(notification_id=notification_id)


@shared_task(name="incidents.sweep_notifications", acks_late=True)
def sweep_notifications() -> int:
    pending = notifications.notifications_unsent()
    for notification_id in pending:
        try:
            notifications.notification_send(notification_id=notification_id)
        except delivery.TRANSIENT_ERRORS:
            continue  # recorded on the row; the next sweep tries again
    return len(pending)


@shared_task(name="incidents.auto_activate_fallbacks", acks_late=True)
def auto_activate_fallbacks() -> int:
    activated = fallbacks.fallbacks_auto_activate()
    fallbacks.fallbacks_flag_forgotten()
    return len(activated)


@shared_task(name="events.deliver", **delivery.task_retry_options())
def deliver_event(delivery_id: int) -> str:
    return events.event_deliver(delivery_id=delivery_id)


@shared_task(name="events.sweep", acks_late=True)
def sweep_events() -> int:
    return events.events_send_unsent()


@shared_task(
    name="incidents.maintain_result_partitions",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def maintain_result_partitions() -> dict:
    """Create the coming months' result partitions, then drop those past retention."""
    created = partitions.result_partitions_ensure()
    retention = partitions.results_drop_expired()
    return {
        "created": created,
        "dropped": list(retention.dropped),
        "deleted_rows": retention.deleted_rows,
    }
