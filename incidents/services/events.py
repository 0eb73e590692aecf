"""Outgoing events: signed webhooks, Slack and Teams messages, emails and Apprise
notifications about a customer's outages, fallbacks, RTOs, error budgets and reports.

`event_emit` writes one delivery row per interested endpoint in the caller's transaction,
keyed by (endpoint, idempotency key) so a retried service never owes an event twice, and
queues each after commit. Rows are POSTed through `continuity.delivery` (claim, attempts,
backoff) over the prober's outbound guard, so an endpoint URL cannot reach the service's
own network unless OUTBOUND_ALLOWED_NETWORKS allows it.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from continuity import delivery
from continuity.models import (
    Customer,
    DeliveryState,
    EventDelivery,
    EventEndpoint,
    EventKind,
    EventType,
)
from incidents.prober.outbound import (
    TargetRefused,
    configured_policy,
    guarded_client,
    target_refusal,
)
from incidents.services import event_channels
from incidents.services.event_text import event_message
from incidents.services.sweeps import sweep_record

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=1)
EVENT_SWEEP = "events"
TIMEOUT_SECONDS = 10.0
RETRYABLE_4XX = frozenset({408, 429})


def event_emit(*, customer: Customer, event_type: str, key: str, data: dict[str, Any]) -> int:
    """Owe `event_type` to each of the customer's active endpoints that wants it; returns
    how many deliveries were added. Call inside the transaction that made the change."""
    payload = {
        "id": key,
        "type": event_type,
        "occurred_at": timezone.now().isoformat(),
        "customer": customer.slug,
        "data": data,
    }
    added = 0
    for endpoint in EventEndpoint.objects.filter(customer=customer, active=True):
        if not endpoint.wants(event_type):
            continue
        row, created = EventDelivery.objects.get_or_create(
            endpoint=endpoint,
            idempotency_key=key,
            defaults={"event_type": event_type, "payload": payload},
        )
        if created:
            added += 1
            transaction.on_commit(lambda pk=row.pk: queue_delivery(pk))
    return added


def queue_delivery(delivery_id: int) -> None:
    from incidents.tasks import deliver_event

    try:
        deliver_event.delay(delivery_id)
    except Exception:
        logger.warning("could not queue event delivery %s; the sweep will send it", delivery_id)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (see docs/api.md)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def request_of(row: EventDelivery) -> tuple[bytes, dict[str, str]]:
    """The body and headers POSTed for a delivery, by endpoint kind. A webhook gets the
    payload itself, the same in every locale; Slack and Teams get text for people."""
    endpoint = row.endpoint
    if endpoint.kind == EventKind.WEBHOOK:
        body = json.dumps(row.payload, separators=(",", ":")).encode()
        headers = {
            "X-Continuity-Event": row.event_type,
            "X-Continuity-Delivery": row.idempotency_key,
            "X-Continuity-Signature": sign(endpoint.secret, int(time.time()), body),
        }
    else:  # Slack and Teams incoming webhooks: the text in the customer's language
        written = event_message(row.payload, endpoint.customer)
        text = written.teams() if endpoint.kind == EventKind.TEAMS else written.slack()
        body = json.dumps({"text": text}).encode()
        headers = {}
    return body, {"Content-Type": "application/json", **headers}


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=0)
    async with guarded_client(configured_policy(), verify=True, limits=limits) as client:
        response = await client.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
        return response.status_code


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status; transport failures as `continuity.delivery` errors."""
    try:
        return asyncio.run(_post(url, body, headers))
    except TargetRefused as exc:
        raise delivery.PermanentError(str(exc)) from exc
    except (httpx.TransportError, OSError) as exc:
        raise delivery.TransientError(delivery.describe(exc)) from exc


def judge(status: int) -> None:
    """2xx is delivered; 408, 429 and 5xx are retried; anything else fails at once."""
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRYABLE_4XX:
        raise delivery.TransientError(f"HTTP {status}")
    raise delivery.PermanentError(f"HTTP {status}")


def _transport(row: EventDelivery, then: Callable[[], None]) -> None:
    endpoint = row.endpoint
    if endpoint.kind == EventKind.EMAIL:
        try:
            recipients = event_channels.mailto_recipients(endpoint.url)
        except ValueError as exc:
            raise delivery.PermanentError(str(exc)) from exc
        message = event_channels.email_message(row.payload, recipients, endpoint.customer)
        delivery.send(message, then=then)
        return
    if endpoint.kind == EventKind.APPRISE:
        written = event_message(row.payload, endpoint.customer)
        event_channels.apprise_send(endpoint.url, written.title, written.text())
        then()
        return
    body, headers = request_of(row)
    status = post(row.endpoint.url, body, headers)
    EventDelivery.objects.filter(pk=row.pk).update(status_code=status)
    judge(status)
    then()


def _record_sent(row: EventDelivery, sent_at: datetime) -> None:
    EventDelivery.objects.filter(pk=row.pk).update(
        state=DeliveryState.SENT, sent_at=sent_at, last_error="", claimed_at=None
    )


OUTBOX = delivery.Outbox(
    model=EventDelivery,
    waiting=Q(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
    claimed_field="claimed_at",
    compose=None,
    transport=_transport,
    record_sent=_record_sent,
    on_claim={"state": DeliveryState.SENDING},
    on_retry={"state": DeliveryState.PENDING},
    on_failure=lambda permanent: {"state": DeliveryState.FAILED},
    related=("endpoint__customer",),
)


def event_deliver(*, delivery_id: int, now: datetime | None = None) -> str:
    """POST one delivery if nobody else is; returns the state it ends in. Raises
    `delivery.TransientError` while attempts are left (the task retries)."""
    return delivery.deliver(OUTBOX, delivery_id, now=now).state


def events_unsent(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        EventDelivery.objects.filter(
            OUTBOX.claimable(now), created_at__lt=now - SWEEP_AFTER
        ).values_list("pk", flat=True)
    )


def events_send_unsent(*, now: datetime | None = None) -> int:
    """The sweep: send what a lost message left unsent; a delivery that fails for now stays
    in line (its error on the row) and counts as a failure of this run in `/metrics`."""
    pending = events_unsent(now=now)
    failed = []
    for delivery_id in pending:
        try:
            event_deliver(delivery_id=delivery_id)
        except delivery.TRANSIENT_ERRORS:
            failed.append(delivery_id)
    sweep_record(name=EVENT_SWEEP, swept=len(pending), failed_ids=failed, now=now)
    return len(pending)


def outage_event(*, outage: Any, event_type: str, key: str) -> int:
    workflow = outage.workflow
    data = {
        "outage": outage.pk,
        "workflow": workflow.name,
        "severity": outage.severity,
        "started_at": outage.started_at.isoformat(),
        "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
        "excluded_from_sla": outage.excluded_from_sla,
    }
    return event_emit(customer=workflow.customer, event_type=event_type, key=key, data=data)


def fallback_event(*, activation: Any, event_type: str) -> int:
    workflow = activation.runbook.workflow
    data = {
        "activation": activation.pk,
        "outage": activation.outage_id,
        "workflow": workflow.name,
        "runbook": activation.runbook.title,
        "activated_at": activation.activated_at.isoformat(),
        "deactivated_at": (
            activation.deactivated_at.isoformat() if activation.deactivated_at else None
        ),
    }
    key = f"{event_type}-{activation.pk}"
    return event_emit(customer=workflow.customer, event_type=event_type, key=key, data=data)


def report_event(*, report: Any, event_type: str, data: dict[str, Any] | None = None) -> int:
    data = {
        "report": report.pk,
        "period": report.period,
        "revision": report.revision,
        **(data or {}),
    }
    key = f"{event_type}-{report.pk}"
    return event_emit(customer=report.customer, event_type=event_type, key=key, data=data)


def endpoint_url_error(*, kind: str, url: str) -> str | None:
    """What is wrong with `url` for an endpoint of `kind`, or None.

    http(s) kinds are checked against the outbound-request policy now as well as at each
    send; a host that does not resolve yet is accepted (each send checks again)."""
    if kind == EventKind.EMAIL:
        try:
            event_channels.mailto_recipients(url)
        except ValueError as exc:
            return str(exc)
        return None
    if kind == EventKind.APPRISE:
        return event_channels.apprise_url_error(url)
    if not url.lower().startswith(("http://", "https://")):
        return "Enter an http:// or https:// URL."
    return target_refusal(url, configured_policy())


def event_endpoint_create(
    *, customer: Customer, kind: str, url: str, events: list[str] | None = None, active: bool = True
) -> EventEndpoint:
    """A new endpoint (its secret generated); the caller has checked `endpoint_url_error`."""
    return EventEndpoint.objects.create(
        customer=customer, kind=kind, url=url, events=list(events or []), active=active
    )


def event_endpoint_test(*, endpoint: EventEndpoint) -> EventDelivery:
    """Owe an `endpoint.test` event to this endpoint only (whatever its event filter) and
    send it now through the same delivery path; returns the row as it ended."""
    now = timezone.now()
    key = f"endpoint.test-{endpoint.pk}-{now.strftime('%Y%m%dT%H%M%S%f')}"
    payload = {
        "id": key,
        "type": EventType.ENDPOINT_TEST,
        "occurred_at": now.isoformat(),
        "customer": endpoint.customer.slug,
        "data": {"endpoint": endpoint.pk, "message": "A test event from Continuity."},
    }
    row = EventDelivery.objects.create(
        endpoint=endpoint, event_type=EventType.ENDPOINT_TEST, idempotency_key=key, payload=payload
    )
    with suppress(*delivery.TRANSIENT_ERRORS):  # recorded on the row; the sweep retries it
        event_deliver(delivery_id=row.pk)
    row.refresh_from_db()
    return row


def event_endpoint_set_active(*, endpoint: EventEndpoint, active: bool) -> EventEndpoint:
    """Pause or resume an endpoint: a paused one is owed no new events (queued ones still go)."""
    EventEndpoint.objects.filter(pk=endpoint.pk).update(active=active)
    endpoint.active = active
    return endpoint


def event_endpoint_delete(*, endpoint: EventEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    endpoint.delete()
