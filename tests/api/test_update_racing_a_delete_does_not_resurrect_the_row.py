"""A PATCH whose object is deleted before it saves answers 404 and never re-inserts the row
(Django's plain save() falls back to INSERT when its UPDATE finds no row)."""

from datetime import timedelta

import pytest

from continuity.api import WorkflowSerializer, WorkflowViewSet
from continuity.exceptions import GoneError, api_exception_handler
from continuity.models import Runbook, Workflow
from continuity.services import runbook_save
from incidents.models import Outage
from incidents.services import outage_update
from tests.factories import BASE_TIME, WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(customer):
    return WorkflowFactory(customer=customer)


def test_an_outage_deleted_under_a_patch_stays_deleted(workflow):
    outage = Outage.objects.create(
        workflow=workflow,
        started_at=BASE_TIME,
        ended_at=BASE_TIME + timedelta(minutes=5),
        severity="down",
        source="manual",
    )
    Outage.objects.filter(pk=outage.pk).delete()

    with pytest.raises(GoneError):
        outage_update(outage=outage, summary="written while it was being deleted")

    assert not Outage.objects.filter(pk=outage.pk).exists()


def test_a_runbook_deleted_under_an_edit_stays_deleted(workflow):
    runbook = Runbook.objects.create(workflow=workflow, title="Fail over", fallback_strategy="B")
    Runbook.objects.filter(pk=runbook.pk).delete()

    with pytest.raises(GoneError):
        runbook_save(runbook=runbook, steps=[], title="Fail over, v2")

    assert not Runbook.objects.filter(pk=runbook.pk).exists()


def test_a_viewset_patch_of_a_deleted_row_inserts_nothing(workflow):
    """The generic viewsets' path: the serializer holds the loaded row when the delete lands."""
    serializer = WorkflowSerializer(workflow, data={"name": "Renamed"}, partial=True)
    assert serializer.is_valid(), serializer.errors
    Workflow.objects.filter(pk=workflow.pk).delete()

    with pytest.raises(GoneError):
        WorkflowViewSet().perform_update(serializer)

    assert not Workflow.objects.filter(pk=workflow.pk).exists()


def test_gone_is_answered_as_a_json_404():
    response = api_exception_handler(GoneError("This outage no longer exists."), {})
    assert (response.status_code, response.data) == (
        404,
        {"detail": "This outage no longer exists."},
    )
