"""Manual outages, their human fields and status updates."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from continuity.exceptions import DomainError
from continuity.models import EventType, Workflow
from continuity.rows import save_existing
from continuity.services import figures_touch
from incidents.models import (
    NotificationEvent,
    Outage,
    OutageSource,
    OutageUpdate,
)
from incidents.services.events import outage_event
from incidents.services.notifications import notification_enqueue

FIGURE_FIELDS = frozenset({"started_at", "ended_at", "severity", "excluded_from_sla"})


def outage_figures_touched(
    outage: Outage, *, also: tuple[datetime, datetime | None] | None = None
) -> None:
    """The outage's span (and `also`, its span before an edit) may show different figures."""
    spans = [(outage.started_at, outage.ended_at), *([also] if also else [])]
    figures_touch(
        customer_ids=[outage.workflow.customer_id],
        since=min(start for start, _ in spans),
        until=None if any(end is None for _, end in spans) else max(end for _, end in spans),
    )


def outage_create_manual(
    *,
    workflow: Workflow,
    started_at: datetime,
    ended_at: datetime | None,
    severity: str,
    root_cause: str = "",
    summary: str = "",
) -> Outage:
    if ended_at is not None and ended_at < started_at:
        raise DomainError("ended_at must not be before started_at.", field="ended_at")
    with transaction.atomic():
        outage = Outage.objects.create(
            workflow=workflow,
            source=OutageSource.MANUAL,
            started_at=started_at,
            ended_at=ended_at,
            severity=severity,
            root_cause=root_cause,
            summary=summary,
        )
        notification_enqueue(outage=outage, event=NotificationEvent.OPENED)
        if ended_at is not None:
            notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
        outage_figures_touched(outage)
    return outage


def outage_update(*, outage: Outage, **changes) -> Outage:
    """Change the human fields of an outage; times only for manual ones."""
    if outage.source == OutageSource.PROBE and ({"started_at", "ended_at"} & set(changes)):
        raise DomainError(
            "A probe-derived outage's times come from its results; exclude it instead.",
            field="started_at" if "started_at" in changes else "ended_at",
        )
    excluded = changes.get("excluded_from_sla", outage.excluded_from_sla)
    reason = changes.get("exclusion_reason", outage.exclusion_reason)
    if excluded and not (reason or "").strip():
        raise DomainError(
            "Excluding an outage from the SLA needs an exclusion_reason.",
            field="exclusion_reason",
        )
    started = changes.get("started_at", outage.started_at)
    ended = changes.get("ended_at", outage.ended_at)
    if ended is not None and ended < started:
        raise DomainError("ended_at must not be before started_at.", field="ended_at")
    was_open = outage.ended_at is None
    was_excluded = outage.excluded_from_sla
    before = (outage.started_at, outage.ended_at)
    figures_changed = any(
        getattr(outage, name) != value for name, value in changes.items() if name in FIGURE_FIELDS
    )
    with transaction.atomic():
        for name, value in changes.items():
            setattr(outage, name, value)
        save_existing(outage, update_fields=[*changes, "updated_at"])
        if was_open and outage.ended_at is not None:
            notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
        if outage.excluded_from_sla and not was_excluded:
            key = f"outage-{outage.pk}-excluded-{outage.updated_at.timestamp()}"
            outage_event(outage=outage, event_type=EventType.OUTAGE_EXCLUDED, key=key)
        if figures_changed:
            outage_figures_touched(outage, also=before)
    return outage


def outage_delete_manual(*, outage: Outage) -> None:
    with transaction.atomic():
        outage_figures_touched(outage)
        outage.delete()


def outage_post_update(
    *, outage: Outage, status: str, message: str, posted_at: datetime | None = None, author=None
) -> OutageUpdate:
    if not message.strip():
        raise DomainError("An update needs a message.", field="message")
    with transaction.atomic():
        update = OutageUpdate.objects.create(
            outage=outage,
            status=status,
            message=message,
            posted_at=posted_at or timezone.now(),
            author=author if getattr(author, "pk", None) else None,
        )
        notification_enqueue(outage=outage, event=NotificationEvent.UPDATE, update=update)
    return update
