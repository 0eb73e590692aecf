"""DATABASE_REPLICA_URL unset: no router, no pin cookie, and a replica scope runs no query."""

import pytest
from django.conf import settings

from continuity.replica import PIN_COOKIE, reading_from_replica, replica_configured


def test_no_router_by_default():
    # tests/replica adds the alias for the session, but only its tests install the router.
    assert settings.DATABASE_ROUTERS == []
    assert replica_configured() is False


@pytest.mark.django_db
def test_a_replica_scope_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0), reading_from_replica(caught_up=True) as used:
        assert used is False


@pytest.mark.django_db
def test_a_write_sets_no_pin_cookie(customer_client, customer):
    response = customer_client.post(
        "/api/v1/workflows/",
        {"customer": customer.slug, "name": "Checkout", "criticality": 1},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert PIN_COOKIE not in response.cookies
