"""One result POSTed by an agent whose key was just used costs two SQL statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Probe, ProbeResult
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory, make_key

URL = "/api/v1/probe-results/"


def one_result(probe, client_id: str) -> dict:
    return {
        "results": [
            {
                "probe": probe.pk,
                "location": "eu-west",
                "observed_at": "2026-09-01T12:00:00+00:00",
                "outcome": "up",
                "id": client_id,
            }
        ]
    }


@pytest.mark.django_db(transaction=True)  # BEGIN and COMMIT as in production, no savepoints
def test_a_single_result_post_is_two_statements(api):
    if connection.vendor != "postgresql":
        pytest.skip("the lean path is PostgreSQL's")
    customer = CustomerFactory()
    probe = ProbeFactory(workflow=WorkflowFactory(customer=customer))
    client = api(make_key(customer=customer, scopes=("ingest",)))
    assert client.post(URL, one_result(probe, "warm"), format="json").status_code == 201
    # As at any real rate of results: a derivation is queued and waiting (DERIVATION_DELAY_MS),
    # so this POST queues none. (Tests run tasks eagerly, in the request; a worker would not.)
    Probe.objects.filter(pk=probe.pk).update(derivation_pending=True)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, one_result(probe, "counted"), format="json")

    assert response.status_code == 201, response.json()
    assert response.json() == {"accepted": 1, "duplicates": 0}
    statements = [q["sql"] for q in captured.captured_queries]
    # The key was authenticated by the warm-up request: no lookup (API_KEY_CACHE_SECONDS), and
    # its last_used_at was written then (once a minute at most). The audit context rides on
    # the write itself, and a single statement needs no BEGIN/COMMIT (Django would log both).
    assert len(statements) == 2, statements
    # 1. the probes named in the batch, restricted to the key's customer (validation).
    assert statements[0].startswith('SELECT "incidents_probe"."id"')
    # 2. the rows from arrays into the table, ON CONFLICT DO NOTHING, and the probe flagged.
    assert "unnest(" in statements[1] and "ON CONFLICT" in statements[1]
    assert "incoming_probe_result" not in statements[1]  # no temp table
    assert ProbeResult.objects.filter(client_id="counted").count() == 1
