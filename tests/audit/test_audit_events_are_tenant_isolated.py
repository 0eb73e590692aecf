"""A customer key reads its own customer's events only; another's are absent and 404."""

from decimal import Decimal

import pytest

from continuity.models import SLAPolicy
from tests.audit.conftest import events, manual_outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants(customer, workflow):
    other = CustomerFactory()
    mine = manual_outage(workflow)
    theirs = manual_outage(WorkflowFactory(customer=other))
    SLAPolicy.objects.create(customer=None, name="Shared", target_pct=Decimal("99.9"))
    return other, mine, theirs


def test_list_holds_only_the_keys_customer(customer_client, auditor, customer, two_tenants):
    other, mine, theirs = two_tenants
    listed = events(customer_client, page_size=500)
    assert listed and {event["customer"] for event in listed} == {customer.pk}
    assert ("outage", theirs.pk) not in {(e["object_type"], e["object_id"]) for e in listed}
    assert events(customer_client, customer=other.pk) == []
    assert events(customer_client, customer=other.slug) == []
    staff_sees = {event["customer"] for event in events(auditor, page_size=500)}
    assert {customer.pk, other.pk, None} <= staff_sees


def test_detail_of_another_customers_event_is_404(customer_client, auditor, two_tenants):
    other, mine, theirs = two_tenants
    (their_event,) = events(auditor, object_type="outage", object_id=theirs.pk)
    (my_event,) = events(auditor, object_type="outage", object_id=mine.pk)
    assert customer_client.get(f"/api/v1/audit-events/{their_event['id']}/").status_code == 404
    own = customer_client.get(f"/api/v1/audit-events/{my_event['id']}/")
    assert own.status_code == 200
    assert own.json() == my_event
    assert auditor.get(f"/api/v1/audit-events/{their_event['id']}/").json() == their_event


@pytest.mark.parametrize("event_id", ["outage-999999", "nothing-1", "outage-x", "-1"])
def test_unknown_event_is_404(auditor, event_id):
    assert auditor.get(f"/api/v1/audit-events/{event_id}/").status_code == 404


def test_trail_is_read_only(auditor, staff_client):
    assert staff_client.post("/api/v1/audit-events/", {}, format="json").status_code == 405
    assert staff_client.delete("/api/v1/audit-events/outage-1/").status_code == 405
