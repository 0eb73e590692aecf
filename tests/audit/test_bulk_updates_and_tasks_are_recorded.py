"""Writes that bypass model methods (bulk updates, raw SQL) and task writes are recorded too."""

from datetime import timedelta

import pytest
from django.db import connection

from audit.context import audit_context
from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage
from incidents.tasks import auto_activate_fallbacks
from tests.audit.conftest import START, events, manual_outage

pytestmark = pytest.mark.django_db


def test_bulk_queryset_update_on_outages_is_recorded(auditor, workflow):
    outages = [manual_outage(workflow, started_at=START + timedelta(hours=n)) for n in range(3)]
    with audit_context(channel="system", actor="cleanup-script"):
        assert Outage.objects.filter(workflow=workflow).update(root_cause="Provider outage") == 3
    updates = [e for e in events(auditor, object_type="outage") if e["action"] == "update"]
    assert sorted(e["object_id"] for e in updates) == sorted(o.pk for o in outages)
    for event in updates:
        assert event["changes"] == {"root_cause": ["", "Provider outage"]}
        assert (event["actor"], event["channel"]) == ("cleanup-script", "system")


def test_raw_sql_without_any_context_reads_as_system(auditor, workflow):
    outage = manual_outage(workflow)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Outage._meta.db_table} SET summary = 'raw' WHERE id = %s", [outage.pk]
        )
    (event,) = [e for e in events(auditor, object_type="outage") if e["action"] == "update"]
    assert event["changes"] == {"summary": ["", "raw"]}
    assert (event["actor"], event["channel"]) == (None, "system")


def test_an_unchanged_tracked_field_records_nothing(auditor, workflow):
    workflow.derived_at = START
    workflow.current_state = "up"
    workflow.save()
    assert [e["action"] for e in events(auditor, object_type="workflow")] == ["create"]


def test_celery_task_writes_are_the_systems(auditor, workflow):
    runbook = Runbook.objects.create(
        workflow=workflow, title="Auto", fallback_strategy="B", auto_activate_after_minutes=5
    )
    manual_outage(workflow)
    assert auto_activate_fallbacks.delay().get() == 1
    activation = FallbackActivation.objects.get(runbook=runbook)
    (event,) = events(auditor, object_type="fallback_activation", object_id=activation.pk)
    assert (event["action"], event["channel"]) == ("create", "system")
    assert event["actor"] == "incidents.auto_activate_fallbacks"
