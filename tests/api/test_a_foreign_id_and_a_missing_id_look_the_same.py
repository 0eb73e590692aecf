"""No existence oracle in list filters: to a customer key, another customer's id and an id
nothing has both filter to an empty list, while its own ids still filter."""

from datetime import timedelta

import pytest

from continuity.models import Runbook
from continuity.services import runbook_drill
from incidents.models import MaintenanceWindow, Outage, ProbeResult
from tests.factories import BASE_TIME, CustomerFactory, ProbeFactory, SLAPolicyFactory

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


def world(customer) -> dict[str, int]:
    """One of each object a list filter refers to, for `customer`; their ids by filter."""
    probe = ProbeFactory(workflow__customer=customer)
    workflow = probe.workflow
    runbook = Runbook.objects.create(workflow=workflow, title="Fail over", fallback_strategy="B")
    outage = Outage.objects.create(
        workflow=workflow, started_at=BASE_TIME, severity="down", source="manual"
    )
    drill = runbook_drill(runbook=runbook, at=BASE_TIME)
    drill.outage = outage  # an activation of that outage, for the `outage` filter
    drill.is_drill = False
    drill.save()
    ProbeResult.objects.create(probe=probe, location="eu-west", observed_at=BASE_TIME, outcome="up")
    window = MaintenanceWindow.objects.create(
        customer=customer, starts_at=BASE_TIME, ends_at=BASE_TIME + timedelta(hours=1)
    )
    window.workflows.set([workflow])
    policy = SLAPolicyFactory(customer=customer)
    return {
        "customer": customer.pk,
        "workflow": workflow.pk,
        "runbook": runbook.pk,
        "outage": outage.pk,
        "probe": probe.pk,
        "workflows": workflow.pk,
        "policy": policy.pk,
    }


FILTERS = [
    ("sla-policies", "customer"),
    ("runbooks", "workflow"),
    ("fallback-activations", "outage"),
    ("fallback-activations", "runbook"),
    ("probes", "workflow"),
    ("probe-results", "probe"),
    ("outages", "workflow"),
    ("maintenance-windows", "workflows"),
]


@pytest.mark.parametrize("endpoint, name", FILTERS)
def test_foreign_and_missing_ids_answer_alike(customer_client, customer, endpoint, name):
    own = world(customer)
    foreign = world(CustomerFactory())
    url = f"/api/v1/{endpoint}/"

    for_foreign = customer_client.get(url, {name: foreign[name]})
    for_missing = customer_client.get(url, {name: MISSING})
    for_own = customer_client.get(url, {name: own[name]})

    assert (for_foreign.status_code, for_missing.status_code) == (200, 200)
    assert for_foreign.json() == for_missing.json()
    assert for_foreign.json()["results"] == []
    assert for_own.status_code == 200
    assert len(for_own.json()["results"]) == 1


@pytest.mark.parametrize("endpoint, name", FILTERS)
def test_a_value_that_is_no_id_is_still_a_400(customer_client, endpoint, name):
    response = customer_client.get(f"/api/v1/{endpoint}/", {name: "²"})
    assert response.status_code == 400
    assert list(response.json()) == [name]
