"""A permanent SMTP error (every recipient refused) fails the row on its first attempt:
nothing is raised for a retry, and no sweep tries it again."""

import pytest
import time_machine

from tests.delivery.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_refused_recipient_fails_the_row_without_retries(flow, smtp):
    smtp.refuse = True
    with time_machine.travel(NOW, tick=False):
        row = flow.make()
        assert flow.send(row.pk) == "failed"
        flow.sweep()
    row.refresh_from_db()
    assert row.state == "failed"
    assert row.attempts == 1
    assert "SMTPRecipientsRefused" in row.last_error
    assert smtp.messages == []
