"""Delivering a stored row: at least once, and once unless a worker dies in one short window.

Every email the service owes (an outage notification, a monthly report) is a row with
`attempts`, `last_error`, `message_id` and a claim timestamp. `deliver` then:

1. claims the row with a conditional UPDATE that only one worker can win, before any SMTP
   traffic; the same statement counts the attempt and fixes the row's Message-ID the first
   time. A claim older than `DELIVERY_CLAIM_TIMEOUT_SECONDS` is free again, so a row whose
   worker died is not stuck;
2. composes the whole message, opens the SMTP connection and sends it;
3. records the row as sent as soon as the server has accepted the message, before even
   closing the connection.

Exactly-once is impossible across SMTP: a crash between the server's acceptance and step 3
mails the row again once its claim expires. That retry carries the same Message-ID, so
mail clients show one message. A permanent SMTP error (recipient or sender refused) fails
the row at once; a transient one puts it back in line and is raised for the task to retry
with backoff, until attempt `DELIVERY_MAX_ATTEMPTS` fails the row.

Rows that are not email (outgoing events over HTTP) give their outbox a `transport` instead
of `compose`, and signal outcomes with `PermanentError` / `TransientError`.
"""

import smtplib
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db.models import F, Model, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone


class PermanentError(Exception):
    """A failure that retrying cannot fix (e.g. an HTTP 4xx answer)."""


class TransientError(Exception):
    """A failure worth retrying (e.g. an HTTP 5xx answer, a timeout)."""


PERMANENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, PermanentError)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, TransientError)

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)


def max_attempts() -> int:
    return settings.DELIVERY_MAX_ATTEMPTS


def task_retry_options() -> dict[str, Any]:
    """Celery options of a task that delivers: transient errors retried with backoff."""
    return {
        "acks_late": True,
        "autoretry_for": TRANSIENT_ERRORS,
        "retry_backoff": settings.DELIVERY_RETRY_BACKOFF_SECONDS,
        "retry_backoff_max": settings.DELIVERY_RETRY_BACKOFF_MAX_SECONDS,
        "retry_jitter": True,
        "max_retries": max_attempts(),
    }


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@dataclass(frozen=True)
class Outbox:
    """One kind of message: the rows that wait for it, how to write it and what each outcome
    changes on the row besides `attempts`, `last_error`, `message_id` and the claim.

    Email has `compose`; anything else a `transport(row, then)` that sends the row and
    calls `then` once the receiver has accepted it (such rows keep no `message_id`)."""

    model: type[Model]
    waiting: Q
    claimed_field: str
    compose: Callable[[Any], EmailMessage] | None
    record_sent: Callable[[Any, datetime], None]
    on_claim: Mapping[str, Any] = field(default_factory=dict)
    on_retry: Mapping[str, Any] = field(default_factory=dict)
    on_failure: Callable[[bool], Mapping[str, Any]] = lambda permanent: {}
    related: tuple[str, ...] = ()
    transport: Callable[[Any, Callable[[], None]], None] | None = None

    def claimable(self, now: datetime) -> Q:
        """Rows that wait and that nobody holds: never claimed, released, or claim expired."""
        free = Q(**{self.claimed_field: None}) | Q(
            **{f"{self.claimed_field}__lt": now - claim_timeout()}
        )
        return self.waiting & free

    def claim(self, pk: int, now: datetime) -> bool:
        changes = {self.claimed_field: now, "attempts": F("attempts") + 1, **self.on_claim}
        if self.transport is None:
            message_id = make_msgid(domain=str(DNS_NAME))
            changes["message_id"] = Coalesce(NullIf(F("message_id"), Value("")), Value(message_id))
        claimed = self.model.objects.filter(self.claimable(now), pk=pk).update(**changes)
        return claimed == 1

    def transmit(self, row: Model, then: Callable[[], None]) -> None:
        if self.transport is not None:
            self.transport(row, then)
            return
        message = self.compose(row)
        message.extra_headers["Message-ID"] = row.message_id
        send(message, then=then)

    def fail(self, row: Model, exc: BaseException, *, permanent: bool) -> None:
        self._release(row, exc, **self.on_failure(permanent))

    def retry(self, row: Model, exc: BaseException) -> None:
        self._release(row, exc, **self.on_retry)

    def _release(self, row: Model, exc: BaseException, **changes: Any) -> None:
        self.model.objects.filter(pk=row.pk).update(
            **{self.claimed_field: None}, last_error=describe(exc), **changes
        )


@dataclass(frozen=True)
class Delivery:
    state: str
    error: str = ""


def send(message: EmailMessage, *, then: Callable[[], None] = lambda: None) -> None:
    """Send one message and run `then` as soon as the server has accepted it.

    The connection is closed only after `then`: a slow or failing QUIT can neither delay
    recording the delivery nor make an accepted message look failed.
    """
    connection = get_connection()
    connection.open()
    try:
        connection.send_messages([message])
        then()
    finally:
        with suppress(*TRANSIENT_ERRORS):
            connection.close()


def deliver(outbox: Outbox, pk: int, *, now: datetime | None = None) -> Delivery:
    """Send the row `pk` if nobody else is; returns what became of it.

    Raises the error of a transient failure that has attempts left, for the caller's
    retry; the row is back in line by then.
    """
    now = now or timezone.now()
    if not outbox.claim(pk, now):
        return Delivery(SKIPPED)
    row = outbox.model.objects.select_related(*outbox.related).get(pk=pk)
    try:
        outbox.transmit(row, lambda: outbox.record_sent(row, timezone.now()))
    except PERMANENT_ERRORS as exc:
        outbox.fail(row, exc, permanent=True)
        return Delivery(FAILED, str(exc))
    except TRANSIENT_ERRORS as exc:
        if row.attempts < max_attempts():
            outbox.retry(row, exc)
            raise
        outbox.fail(row, exc, permanent=False)
        return Delivery(FAILED, str(exc))
    return Delivery(SENT)
