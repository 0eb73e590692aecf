"""Console actions record the signed-in user and the `console` channel."""

import pytest

from audit.selectors import audit_events_for
from tests.audit.conftest import manual_outage

pytestmark = pytest.mark.django_db


def test_console_edit_and_update(admin_session, workflow):
    outage = manual_outage(workflow)
    edited = admin_session.post(
        f"/console/outages/{outage.pk}/edit/",
        {
            "root_cause": "Provider outage",
            "excluded_from_sla": "on",
            "exclusion_reason": "Agreed with the customer",
        },
    )
    assert edited.status_code == 302
    posted = admin_session.post(
        f"/console/outages/{outage.pk}/updates/",
        {"status": "monitoring", "message": "Fallback holds."},
    )
    assert posted.status_code == 302
    history = audit_events_for(object_type="outage", object_id=outage.pk)
    assert [event.action for event in history] == ["status_update_create", "update", "create"]
    update = history[1]
    assert (update.actor, update.channel) == ("root", "console")
    assert update.changes["excluded_from_sla"] == [False, True]
    assert update.changes["exclusion_reason"] == ["", "Agreed with the customer"]
    assert history[0].changes["message"] == [None, "Fallback holds."]
