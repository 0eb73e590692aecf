from datetime import UTC, datetime

import pytest

from incidents.models import Outage
from tests.factories import WorkflowFactory, make_key

START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


@pytest.fixture
def root(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_session(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def auditor(db, api):
    """A staff key that reads the trail (its own reads record nothing)."""
    return api(make_key(scopes=("read",), name="auditor"))


@pytest.fixture
def workflow(customer):
    return WorkflowFactory(customer=customer, name="Support chatbot")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def manual_outage(workflow, **fields) -> Outage:
    return Outage.objects.create(
        workflow=workflow,
        started_at=fields.pop("started_at", START),
        ended_at=fields.pop("ended_at", None),
        severity="down",
        source=fields.pop("source", "manual"),
        **fields,
    )


def events(client, **params) -> list[dict]:
    response = client.get("/api/v1/audit-events/", params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def latest(client, object_type: str, object_id: int, action: str) -> dict:
    """The newest event of one kind on one object."""
    found = [
        event
        for event in events(client, object_type=object_type, object_id=object_id)
        if event["action"] == action
    ]
    assert found, f"no {action} event on {object_type} {object_id}"
    return found[0]
