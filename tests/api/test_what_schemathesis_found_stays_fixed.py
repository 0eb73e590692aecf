"""Defects the schemathesis run found, each pinned by a plain request."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/api/v1/workflows/1.5/", "/api/v1/no-such-thing/", "/api/v1/outages/x/updates/y/"]
)
def test_an_api_url_no_route_matches_is_a_json_404(customer_client, url):
    response = customer_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_outside_the_api_keeps_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("page_size", ["null", "0", "-1", "²", "1.5"])
def test_a_malformed_page_size_is_a_400_naming_it(customer_client, page_size):
    response = customer_client.get("/api/v1/workflows/", {"page_size": page_size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_two_page_sizes_are_a_400(customer_client):
    response = customer_client.get("/api/v1/workflows/?page_size=1&page_size=2")
    assert response.status_code == 400


def test_a_page_size_above_the_maximum_is_capped(customer_client):
    response = customer_client.get("/api/v1/workflows/", {"page_size": "100000"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/probe-results/", "/api/v1/webhooks/alertmanager/"])
def test_ingest_endpoints_refuse_a_form_body_with_a_json_415(customer_client, url):
    response = customer_client.post(url, {"results": "[]", "alerts": "[]"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_a_result_whose_outcome_is_not_a_string_is_a_400(customer, customer_client):
    from tests.factories import ProbeFactory, WorkflowFactory

    probe = ProbeFactory(workflow=WorkflowFactory(customer=customer))
    item = {"probe": probe.pk, "location": "eu-west", "observed_at": "2026-09-01T00:00:00Z"}
    response = customer_client.post(
        "/api/v1/probe-results/", {"results": [{**item, "outcome": {}}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "outcome"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/sla-policies/{policy}/",
            {"service_hours": [{"weekday": 0, "end": "09:00"}]},
            "start",
        ),
        ("/api/v1/sla-policies/{policy}/", {"credit_tiers": [{"credit_pct": "10"}]}, "below_pct"),
        ("/api/v1/runbooks/{runbook}/", {"steps": [{"title": "Call the vendor"}]}, "order"),
    ],
)
def test_a_patch_with_an_incomplete_list_item_is_a_400_naming_the_field(
    customer, customer_client, url, body, field
):
    from continuity.models import Runbook, SLAPolicy
    from tests.factories import WorkflowFactory

    policy = SLAPolicy.objects.create(customer=customer, name="Gold", target_pct=99)
    runbook = Runbook.objects.create(
        workflow=WorkflowFactory(customer=customer), title="Failover", fallback_strategy="B"
    )
    response = customer_client.patch(
        url.format(policy=policy.pk, runbook=runbook.pk), body, format="json"
    )
    assert response.status_code == 400
    assert field in str(response.json())


def test_every_operation_documents_the_error_answers(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    shared = schema["components"]["responses"]
    assert "Retry-After" in shared["Error429"]["headers"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= documented, f"{method} {path}"
            if method != "get":
                assert "409" in documented, f"{method} {path}"
            if "requestBody" in operation:
                assert {"413", "415"} <= documented, f"{method} {path}"
