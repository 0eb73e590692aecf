"""`audit_events_for`: an object's history, with its children's changes, newest first."""

import pytest

from audit.selectors import audit_events_for
from continuity.services import runbook_save
from tests.audit.conftest import manual_outage

pytestmark = pytest.mark.django_db


def test_runbook_history_includes_its_steps(workflow):
    from continuity.models import Runbook

    runbook = runbook_save(
        runbook=Runbook(),
        steps=[{"order": 1, "title": "Call vendor"}],
        workflow=workflow,
        title="Fallback",
        fallback_strategy="B",
    )
    runbook_save(runbook=runbook, steps=[{"order": 1, "title": "Call vendor B"}])
    history = audit_events_for(object_type="runbook", object_id=runbook.pk)
    assert [event.action for event in history] == [
        "step_create",
        "step_delete",
        "step_create",
        "create",
    ]
    assert history[0].changes["title"] == [None, "Call vendor B"]
    assert history[1].changes["title"] == ["Call vendor", None]
    assert {event.customer for event in history} == {workflow.customer_id}


def test_history_of_one_object_leaves_out_others(workflow):
    mine, other = manual_outage(workflow), manual_outage(workflow)
    other.summary = "x"
    other.save()
    assert [e.object_id for e in audit_events_for(object_type="outage", object_id=mine.pk)] == [
        mine.pk
    ]
