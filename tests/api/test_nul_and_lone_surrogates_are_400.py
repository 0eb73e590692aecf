"""Text PostgreSQL cannot store (NUL, a lone surrogate) is a JSON 400 naming the field,
never a 500, and stores nothing."""

import json

import pytest

from continuity.models import Customer, Workflow
from incidents.models import Outage, Probe, ProbeResult
from tests.factories import ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

NUL = "\u0000"
SURROGATE = "\ud800"
BAD_TEXTS = [f"boom{NUL}", f"{SURROGATE}boom"]


def post_json(client, url: str, body: object, method: str = "post"):
    """JSON as a client would send it: escapes (\\u0000, \\ud800) in ASCII."""
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def probe(customer):
    return ProbeFactory(workflow=WorkflowFactory(customer=customer))


def result(probe, **extra) -> dict:
    return {
        "probe": probe.pk,
        "location": "eu-west",
        "observed_at": "2026-09-01T12:00:00Z",
        "outcome": "down",
        **extra,
    }


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize("field", ["error", "id"])
def test_a_result_with_unstorable_text_is_400(customer_client, probe, field, bad):
    response = post_json(
        customer_client, "/api/v1/probe-results/", {"results": [result(probe, **{field: bad})]}
    )
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, field)
    assert not ProbeResult.objects.exists()


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize(
    "field", ["location", "observed_at", "outcome", f"extra{SURROGATE}", f"extra{NUL}"]
)
def test_unstorable_text_echoed_in_an_ingest_error_is_still_json(
    customer_client, probe, field, bad
):
    item = result(probe)
    item[field] = bad
    response = post_json(customer_client, "/api/v1/probe-results/", {"results": [item]})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["index"] == 0
    assert not ProbeResult.objects.exists()


def probe_body(workflow, **extra) -> dict:
    return {
        "workflow": workflow.pk,
        "name": "api",
        "kind": "http",
        "target": "https://api.example.com/health",
        "locations": ["eu-west"],
        **extra,
    }


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize(
    "field, value",
    [
        ("headers", lambda bad: {"X-Trace": bad}),
        ("body_assertion", lambda bad: {"contains": bad}),
        ("body_assertion", lambda bad: {"json_path": "$.status", "equals": bad}),
        ("body_assertion", lambda bad: {"json_path": "$.status", "equals": {bad: 1}}),
        ("body_assertion", lambda bad: {"json_path": "$.status", "equals": [["ok", bad]]}),
        ("body", lambda bad: bad),
        ("name", lambda bad: bad),
        ("locations", lambda bad: [bad]),
    ],
)
def test_a_probe_with_unstorable_text_is_400(customer_client, customer, field, value, bad):
    workflow = WorkflowFactory(customer=customer)
    response = post_json(
        customer_client, "/api/v1/probes/", probe_body(workflow, **{field: value(bad)})
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Probe.objects.exists()


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_a_probe_update_with_unstorable_headers_is_400(customer_client, probe, bad):
    before = Probe.objects.values("headers", "body_assertion").get()
    response = post_json(
        customer_client, f"/api/v1/probes/{probe.pk}/", {"headers": {"X-A": bad}}, method="patch"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["headers"]
    assert Probe.objects.values("headers", "body_assertion").get() == before


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/customers/", lambda bad: {"name": bad, "slug": "acme"}, "name"),
        ("/api/v1/workflows/", lambda bad: {"customer": "{customer}", "name": bad}, "name"),
        (
            "/api/v1/outages/",
            lambda bad: {
                "workflow": "{workflow}",
                "severity": "down",
                "started_at": "2026-09-01T12:00:00Z",
                "summary": bad,
            },
            "summary",
        ),
    ],
)
def test_other_text_fields_refuse_unstorable_text(staff_client, url, body, field, bad):
    workflow = WorkflowFactory()
    payload = {
        key: {"{customer}": workflow.customer_id, "{workflow}": workflow.pk}.get(value, value)
        for key, value in body(bad).items()
    }
    counts = (Customer.objects.count(), Workflow.objects.count(), Outage.objects.count())
    response = post_json(staff_client, url, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Customer.objects.count(), Workflow.objects.count(), Outage.objects.count()) == counts


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_an_error_that_echoes_the_input_is_still_json(staff_client, bad):
    workflow = WorkflowFactory()
    body = {"workflow": workflow.pk, "severity": bad, "started_at": "2026-09-01T12:00:00Z"}
    response = post_json(staff_client, "/api/v1/outages/", body)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["severity"]
    assert not Outage.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/probes/?location=%00",
        "/api/v1/outages/?customer=a%00b",
        "/api/v1/customers/?slug=%00",
    ],
)
def test_nul_in_a_query_filter_is_400(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 400, response.content
    assert len(response.json()) == 1
