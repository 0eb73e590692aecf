"""Probe configuration over the API: the prober's fields, and secrets that never come back."""

import json
import logging

import pytest
from django.utils import timezone

from incidents.models import Probe, ProbeResult
from incidents.prober import services
from tests.factories import WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

SECRET = "sk-live-TOPSECRET-0123456789"


def create(client, workflow, **fields):
    body = {
        "workflow": workflow.pk,
        "name": "chat",
        "kind": "http",
        "target": "https://api.vendor.example/health",
        "locations": ["eu-west", "tokyo"],
        **fields,
    }
    return client.post("/api/v1/probes/", body, format="json")


def test_http_probe_fields_round_trip(customer, customer_client):
    workflow = WorkflowFactory(customer=customer)
    response = create(
        customer_client,
        workflow,
        method="POST",
        headers={"Accept": "application/json", "Authorization": {"env": "VENDOR_TOKEN"}},
        body='{"q": 1}',
        body_assertion={"json_path": "$.status", "equals": "ok"},
        verify_tls=False,
        expected_status=[200, 202],
        degraded_latency_ms=800,
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["method"] == "POST"
    assert data["headers"] == {
        "Accept": "application/json",
        "Authorization": {"env": "VENDOR_TOKEN"},
    }
    assert data["body_assertion"] == {"json_path": "$.status", "equals": "ok"}
    assert data["verify_tls"] is False
    probe = Probe.objects.get(pk=data["id"])
    assert services.spec_from_probe(probe).headers == (
        ("Accept", "application/json"),
        ("Authorization", {"env": "VENDOR_TOKEN"}),
    )


def test_llm_and_statuspage_probe_fields(customer, customer_client):
    workflow = WorkflowFactory(customer=customer)
    llm = create(
        customer_client,
        workflow,
        kind="llm",
        target="https://api.openai.com/v1",
        llm_model="gpt-4o-mini",
        llm_api_key_env="OPENAI_API_KEY",
        llm_max_tokens=8,
        llm_max_ttft_ms=2000,
        llm_min_tokens_per_second="15.5",
    )
    assert llm.status_code == 201, llm.json()
    assert llm.json()["llm_min_tokens_per_second"] == "15.50"
    status = create(
        customer_client,
        workflow,
        kind="statuspage",
        target="https://status.openai.com",
        statuspage_component="API",
    )
    assert status.status_code == 201, status.json()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "llm", "target": "https://api.openai.com/v1"}, {"llm_model"}),
        ({"kind": "statuspage", "target": "https://status.x"}, {"statuspage_component"}),
        ({"target": "not a url"}, {"target"}),
        ({"body_assertion": {"json_path": "status", "equals": 1}}, {"body_assertion"}),
        ({"method": "BREW"}, {"method"}),
    ],
)
def test_invalid_configuration_is_a_field_error(customer, customer_client, fields, errors):
    response = create(customer_client, WorkflowFactory(customer=customer), **fields)
    assert response.status_code == 400
    assert set(response.json()) == errors


@pytest.mark.parametrize(
    "fields",
    [
        {"headers": {"Authorization": f"Bearer {SECRET}"}},
        {"headers": {"X-Api-Key": SECRET}},
        {"kind": "llm", "llm_model": "m", "llm_api_key_env": SECRET},
        {"target": f"https://user:{SECRET}@api.vendor.example/"},
    ],
)
def test_a_literal_secret_is_refused_and_never_echoed(customer, customer_client, fields):
    response = create(customer_client, WorkflowFactory(customer=customer), **fields)
    assert response.status_code == 400
    assert SECRET not in response.content.decode()
    assert not Probe.objects.exists()


def test_agent_key_lists_its_locations_probes_with_env_references_only(customer, api):
    workflow = WorkflowFactory(customer=customer)
    writer = api(make_key(customer=customer, scopes=("read", "write")))
    create(writer, workflow, headers={"Authorization": {"env": "VENDOR_TOKEN"}})
    create(writer, workflow, name="elsewhere", locations=["eu-west"])
    agent = api(make_key(customer=customer, scopes=("read", "ingest")))
    response = agent.get("/api/v1/probes/", {"location": "tokyo"})
    assert response.status_code == 200
    [probe] = response.json()["results"]
    assert probe["headers"] == {"Authorization": {"env": "VENDOR_TOKEN"}}
    assert probe["kind"] == "http" and "run_leases" not in probe and "next_run_at" not in probe


def test_secret_values_stay_out_of_results_responses_and_logs(
    customer, customer_client, llm_stub, monkeypatch, caplog
):
    """The key is sent to the endpoint, which echoes it back; nothing else ever shows it."""
    monkeypatch.setenv("PROBE_VENDOR_LLM_KEY", SECRET)
    llm_stub.mode = "unauthorized"
    workflow = WorkflowFactory(customer=customer)
    created = create(
        customer_client,
        workflow,
        kind="llm",
        target=llm_stub.url + "/v1",
        llm_model="gpt-test",
        llm_api_key_env="PROBE_VENDOR_LLM_KEY",
        locations=["eu-west"],
    ).json()
    caplog.set_level(logging.DEBUG)
    services.probes_run(location="eu-west", probe_ids=[created["id"]], dispatched_at=timezone.now())

    assert llm_stub.requests()[0].headers["Authorization"] == f"Bearer {SECRET}"
    result = ProbeResult.objects.get(probe_id=created["id"])
    assert result.outcome == "down" and "[redacted]" in result.error
    responses = [
        customer_client.get(f"/api/v1/probes/{created['id']}/"),
        customer_client.get("/api/v1/probes/"),
        customer_client.get("/api/v1/probe-results/", {"probe": created["id"]}),
    ]
    for response in responses:
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps([r.getMessage() for r in caplog.records])
    assert "PROBE_VENDOR_LLM_KEY" in responses[0].content.decode()  # the variable's name is fine
