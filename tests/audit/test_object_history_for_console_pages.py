"""`audit_events_for`: an object's history, with its children's changes, newest first."""

import pytest
from django.utils import timezone

from audit.selectors import audit_events_for, audit_events_since
from continuity.models import Runbook
from continuity.services import runbook_save
from tests.audit.conftest import manual_outage
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def test_runbook_history_includes_its_steps(workflow):
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


def test_a_customers_changes_since_a_report_was_sent(workflow):
    manual_outage(WorkflowFactory())  # another customer's
    before = manual_outage(workflow)
    sent_at = timezone.now()
    before.exclusion_reason, before.excluded_from_sla = "freeze", True
    before.save()
    changes = audit_events_since(customer_id=workflow.customer_id, since=sent_at)
    assert [(e.object_type, e.object_id, e.action) for e in changes] == [
        ("outage", before.pk, "update")
    ]
