"""A worker that dies after the SMTP server accepted a message, before it recorded the
delivery, leaves the row claimed; once the claim expires the sweep mails it again, with
the same Message-ID, so mail clients show one message (README: at least once)."""

from collections.abc import Callable
from datetime import timedelta
from email.message import Message

import pytest
import time_machine
from django.db import OperationalError, connection, connections

from continuity.delivery import claim_timeout
from tests.delivery.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)


def kill_this_threads_database_connection() -> Callable[[], None]:
    """A callable that terminates, from another connection, the session this thread uses."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()

    def kill() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connections.close_all()

    return kill


def message_id(message: Message) -> str:
    return "".join(message["Message-ID"].split())  # unfolded


def test_the_retry_after_an_expired_claim_has_the_same_message_id(flow, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("the crash is a PostgreSQL session terminated mid-delivery (make test)")
    with time_machine.travel(NOW, tick=False):
        row = flow.make()
        smtp.after_accept = kill_this_threads_database_connection()
        with pytest.raises(OperationalError):
            flow.send(row.pk)
    connection.close()
    smtp.after_accept = None
    [first] = smtp.messages
    row.refresh_from_db()
    assert row.state != "sent"
    assert row.message_id and message_id(first) == row.message_id

    with time_machine.travel(NOW + claim_timeout() - timedelta(seconds=1), tick=False):
        assert flow.send(row.pk) == "skipped"
        flow.sweep()
    assert len(smtp.messages) == 1  # the claim still holds

    with time_machine.travel(NOW + claim_timeout() + timedelta(seconds=1), tick=False):
        flow.sweep()
        flow.sweep()
    assert [message_id(m) for m in smtp.messages] == [row.message_id, row.message_id]
    row.refresh_from_db()
    assert row.state == "sent"
    assert row.attempts == 2
