from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incidents.models import Probe, ProbeResult
from tests.factories import ProbeFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/probe-results/"


def item(probe, minute=0, outcome="up", location="eu-west", **extra):
    observed = datetime(2026, 9, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=minute)
    return {
        "probe": probe.pk,
        "location": location,
        "observed_at": observed.isoformat(),
        "outcome": outcome,
        **extra,
    }


@pytest.fixture
def probe(customer):
    return ProbeFactory(workflow=WorkflowFactory(customer=customer))


def test_valid_batch_is_accepted_and_marks_probe_pending(customer_client, probe):
    response = customer_client.post(
        URL, {"results": [item(probe, m, latency_ms=120) for m in range(3)]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"accepted": 3, "duplicates": 0}
    probe.refresh_from_db()
    assert probe.derivation_pending is True
    assert probe.last_observed_at == datetime(2026, 9, 1, 12, 2, tzinfo=UTC)


def test_llm_token_figures_are_stored_and_listed(customer_client, probe):
    batch = [
        item(probe, 0, tokens_used=18, tokens_per_second="42.125", id="llm-0"),
        item(probe, 1, tokens_used=0, tokens_per_second=7, id="llm-1"),
        item(probe, 2, id="plain"),
    ]
    assert customer_client.post(URL, {"results": batch}, format="json").status_code == 201
    stored = ProbeResult.objects.order_by("observed_at")
    assert [(r.tokens_used, r.tokens_per_second) for r in stored] == [
        (18, Decimal("42.13")),
        (0, Decimal("7.00")),
        (None, None),
    ]
    listed = customer_client.get(URL, {"probe": probe.pk}).json()["results"]
    assert {r["id"]: (r["tokens_used"], r["tokens_per_second"]) for r in listed} == {
        "llm-0": (18, "42.13"),
        "llm-1": (0, "7.00"),
        "plain": (None, None),
    }


@pytest.mark.parametrize(
    "bad_item, field",
    [
        ({"observed_at": "2026-09-01T12:00:00"}, "observed_at"),  # no zone
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"outcome": "sideways"}, "outcome"),
        ({"location": "mars"}, "location"),
        ({"probe": 999_999}, "probe"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"status_code": 42}, "status_code"),
        ({"tokens_used": -1}, "tokens_used"),
        ({"tokens_per_second": "fast"}, "tokens_per_second"),
        ({"tokens_per_second": 1e9}, "tokens_per_second"),
        ({"tokens_per_second": "NaN"}, "tokens_per_second"),
    ],
)
def test_malformed_batch_is_rejected_whole_with_index_and_field(
    customer_client, probe, bad_item, field
):
    batch = [item(probe, 0), item(probe, 1), {**item(probe, 2), **bad_item}]
    response = customer_client.post(URL, {"results": batch}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["index"] == 2
    assert body["errors"][0]["field"] == field
    assert field in body["results"][2]
    assert body["results"][0] == {}
    assert ProbeResult.objects.count() == 0
    assert Probe.objects.get(pk=probe.pk).derivation_pending is False


def test_future_timestamp_beyond_skew_is_rejected(customer_client, probe):
    future = (timezone.now() + timedelta(minutes=30)).isoformat()
    response = customer_client.post(
        URL, {"results": [{**item(probe), "observed_at": future}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "observed_at"


def test_batch_over_the_limit_is_rejected(customer_client, probe):
    response = customer_client.post(
        URL, {"results": [item(probe, m % 50) for m in range(5001)]}, format="json"
    )
    assert response.status_code == 400
    assert "5000" in str(response.json())
    assert ProbeResult.objects.count() == 0


@pytest.mark.parametrize("body", [{}, {"results": []}, {"results": "nope"}, []])
def test_missing_or_empty_results_is_rejected(customer_client, body):
    response = customer_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert "results" in response.json()


def test_duplicates_are_counted_and_not_stored_twice(customer_client, probe):
    batch = [item(probe, m, id=f"r-{m}") for m in range(3)]
    first = customer_client.post(URL, {"results": batch}, format="json")
    assert first.json() == {"accepted": 3, "duplicates": 0}
    again = customer_client.post(
        URL,
        {"results": [*batch, item(probe, 9, id="r-9"), item(probe, 9, id="r-9")]},
        format="json",
    )
    assert again.json() == {"accepted": 1, "duplicates": 4}
    assert ProbeResult.objects.count() == 4


def test_read_key_cannot_post_results(api, customer, probe):
    client = api(make_key(customer=customer, scopes=("read",)))
    response = client.post(URL, {"results": [item(probe)]}, format="json")
    assert response.status_code == 403
    assert ProbeResult.objects.count() == 0


def test_write_key_without_ingest_cannot_post_results(api, customer, probe):
    client = api(make_key(customer=customer, scopes=("read", "write")))
    assert client.post(URL, {"results": [item(probe)]}, format="json").status_code == 403


def test_customer_key_cannot_ingest_for_another_customers_probe(customer_client):
    foreign = ProbeFactory()
    response = customer_client.post(URL, {"results": [item(foreign)]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "probe"
    assert ProbeResult.objects.count() == 0


def test_no_key_is_unauthorized(api, probe):
    assert api().post(URL, {"results": [item(probe)]}, format="json").status_code == 401
