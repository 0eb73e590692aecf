"""Deleting an object that fallback activations or drills still refer to is a 409 naming
them, and deletes nothing."""

import pytest

from continuity.models import Customer, FallbackActivation, Runbook, Workflow
from continuity.services import runbook_drill
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drilled(customer):
    workflow = WorkflowFactory(customer=customer)
    runbook = Runbook.objects.create(workflow=workflow, title="Fail over", fallback_strategy="B")
    drill = runbook_drill(runbook=runbook)
    return runbook, drill


@pytest.mark.parametrize(
    "path, kind",
    [
        ("runbooks/{runbook}/", "runbook"),
        ("workflows/{workflow}/", "workflow"),
        ("customers/{customer}/", "customer"),
    ],
)
def test_delete_of_an_object_still_referred_to_is_409(staff_client, drilled, path, kind):
    runbook, drill = drilled
    url = "/api/v1/" + path.format(
        runbook=runbook.pk, workflow=runbook.workflow_id, customer=runbook.workflow.customer_id
    )

    response = staff_client.delete(url)

    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": f"This {kind} cannot be deleted while others refer to it: 1 fallback activation.",
        "referenced_by": {"fallback activations": [drill.pk]},
    }
    assert Runbook.objects.filter(pk=runbook.pk).exists()
    assert Workflow.objects.filter(pk=runbook.workflow_id).exists()
    assert Customer.objects.filter(pk=runbook.workflow.customer_id).exists()
    assert FallbackActivation.objects.filter(pk=drill.pk).exists()


def test_delete_of_an_unreferenced_runbook_still_works(customer_client, drilled):
    runbook, _ = drilled
    spare = Runbook.objects.create(workflow=runbook.workflow, title="Spare", fallback_strategy="C")
    assert customer_client.delete(f"/api/v1/runbooks/{spare.pk}/").status_code == 204
    assert not Runbook.objects.filter(pk=spare.pk).exists()
