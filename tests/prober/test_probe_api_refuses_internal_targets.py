"""Creating or changing a probe through the API checks its target against the outbound
policy (the name resolved), and refuses headers that belong to the connection."""

import pytest

from incidents.models import Probe
from tests.factories import ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

RUN_FIELDS = {
    "http": {},
    "llm": {"llm_model": "gpt-4o-mini"},
    "statuspage": {"statuspage_component": "API"},
}


def create(client, workflow, **fields):
    body = {
        "workflow": workflow.pk,
        "name": "health",
        "kind": "http",
        "target": "https://api.vendor.example/health",
        "locations": ["eu-west"],
        **fields,
    }
    return client.post("/api/v1/probes/", body, format="json")


@pytest.mark.parametrize(
    ("target", "address", "category"),
    [
        ("http://127.0.0.1:8080/health", "127.0.0.1", "loopback"),
        ("http://[::1]/", "::1", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
        ("http://10.0.0.5/", "10.0.0.5", "private"),
        ("https://[::ffff:10.0.0.5]:8443/", "::ffff:10.0.0.5", "private"),
        ("http://0.0.0.0:5432/", "0.0.0.0", "unspecified"),
    ],
)
@pytest.mark.parametrize("kind", ["http", "llm", "statuspage"])
def test_an_internal_address_is_refused(customer, customer_client, kind, target, address, category):
    response = create(
        customer_client,
        WorkflowFactory(customer=customer),
        kind=kind,
        target=target,
        **RUN_FIELDS[kind],
    )
    assert response.status_code == 400
    assert response.json() == {
        "target": [
            f"The target address {address} is {category}; allow it with OUTBOUND_ALLOWED_NETWORKS."
        ]
    }
    assert not Probe.objects.exists()


@pytest.mark.parametrize("target", ["http://localhost:6379/", "http://2130706433/"])
def test_a_name_resolving_to_an_internal_address_is_refused_without_naming_it(
    customer, customer_client, target
):
    response = create(customer_client, WorkflowFactory(customer=customer), target=target)
    assert response.status_code == 400
    [message] = response.json()["target"]
    assert "resolves to a loopback address" in message
    assert "127.0.0.1" not in message
    assert not Probe.objects.exists()


def test_listed_networks_and_names_that_do_not_resolve_are_accepted(
    customer, customer_client, settings
):
    workflow = WorkflowFactory(customer=customer)
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert create(customer_client, workflow, target="http://10.0.0.5/").status_code == 201
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    response = create(customer_client, workflow, target="https://status.no-such-host.invalid/")
    assert response.status_code == 201, response.json()
    # An external probe's target is a label: the service never connects to it.
    response = create(customer_client, workflow, kind="external", target="http://10.0.0.5/")
    assert response.status_code == 201, response.json()


def test_changing_a_probe_to_an_internal_target_is_refused_and_changes_nothing(
    customer, customer_client
):
    probe = ProbeFactory(
        workflow=WorkflowFactory(customer=customer),
        kind="http",
        target="https://api.vendor.example/health",
    )
    for change in ({"target": "http://169.254.169.254/"}, {"target": "http://[::1]:22/"}):
        response = customer_client.patch(f"/api/v1/probes/{probe.pk}/", change, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"target"}
    probe.refresh_from_db()
    assert probe.target == "https://api.vendor.example/health"


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "metadata.internal"},
        {"host": {"env": "PROBE_HOST"}},
        {"Content-Length": "0"},
        {"Transfer-Encoding": "chunked"},
        {"Connection": "keep-alive, Upgrade"},
        {"Upgrade": "h2c"},
    ],
)
def test_connection_headers_are_refused(customer, customer_client, headers):
    response = create(customer_client, WorkflowFactory(customer=customer), headers=headers)
    assert response.status_code == 400
    [name] = headers
    assert response.json() == {
        "headers": [f"{name} is set by the prober itself and cannot be overridden"]
    }
    assert not Probe.objects.exists()
