"""SPEC §6: a time outside the years 2000–2100, or with a UTC offset beyond ±14:00, is a
JSON 400 naming the field wherever it enters, and changes nothing."""

from datetime import UTC, datetime

import pytest

from continuity.models import FallbackActivation, Runbook, RunbookStep, StepCompletion
from incidents.models import MaintenanceWindow, Outage, OutageUpdate, ProbeResult
from tests.factories import ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)
BAD_TIMES = [
    "0001-01-01T00:00:00+01:00",  # a BC instant in UTC
    "0001-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
    "2100-12-31T23:00:00-05:00",  # 2101 in UTC
    "9999-12-31T23:00:00-05:00",  # beyond datetime.max in UTC
    "2026-01-01T00:00:00+15:00",
    "2026-01-01T00:00:00-14:30",
]


@pytest.fixture
def workflow(customer):
    return WorkflowFactory(customer=customer)


@pytest.fixture
def outage(workflow):
    return Outage.objects.create(
        workflow=workflow, started_at=START, severity="down", source="manual"
    )


@pytest.fixture
def runbook(workflow):
    runbook = Runbook.objects.create(workflow=workflow, title="Switch", fallback_strategy="b")
    RunbookStep.objects.create(runbook=runbook, order=1, title="Flip the flag")
    return runbook


@pytest.fixture
def activation(outage, runbook):
    return FallbackActivation.objects.create(
        outage=outage, runbook=runbook, runbook_version=1, activated_at=START
    )


def snapshot() -> list:
    return [
        sorted(model.objects.values_list(*fields))
        for model, fields in [
            (ProbeResult, ("observed_at",)),
            (Outage, ("pk", "started_at", "ended_at")),
            (OutageUpdate, ("posted_at",)),
            (MaintenanceWindow, ("starts_at", "ends_at")),
            (FallbackActivation, ("pk", "activated_at", "deactivated_at")),
            (StepCompletion, ("completed_at",)),
            (Runbook, ("pk", "last_tested_at")),
        ]
    ]


@pytest.mark.parametrize("bad", BAD_TIMES)
def test_a_result_observed_outside_the_range_is_400(customer_client, workflow, bad):
    probe = ProbeFactory(workflow=workflow)
    item = {"probe": probe.pk, "location": "eu-west", "observed_at": bad, "outcome": "up"}
    response = customer_client.post("/api/v1/probe-results/", {"results": [item]}, format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["index"] == 0 and error["field"] == "observed_at"
    assert "2000" in error["message"]
    assert not ProbeResult.objects.exists()


def writes(workflow, outage, runbook, activation, bad) -> list[tuple[str, str, dict, str]]:
    """(method, url, body, the field the 400 names) for every write that takes a time."""
    later = START.replace(hour=15).isoformat()
    return [
        ("post", "/api/v1/outages/", _outage(workflow, started_at=bad), "started_at"),
        ("post", "/api/v1/outages/", _outage(workflow, ended_at=bad), "ended_at"),
        ("patch", f"/api/v1/outages/{outage.pk}/", {"started_at": bad}, "started_at"),
        ("patch", f"/api/v1/outages/{outage.pk}/", {"ended_at": bad}, "ended_at"),
        (
            "post",
            f"/api/v1/outages/{outage.pk}/updates/",
            {"status": "investigating", "message": "looking", "posted_at": bad},
            "posted_at",
        ),
        (
            "post",
            "/api/v1/maintenance-windows/",
            {"customer": workflow.customer_id, "starts_at": bad, "ends_at": later},
            "starts_at",
        ),
        (
            "post",
            "/api/v1/maintenance-windows/",
            {"customer": workflow.customer_id, "starts_at": START.isoformat(), "ends_at": bad},
            "ends_at",
        ),
        (
            "post",
            "/api/v1/fallback-activations/",
            {"outage": outage.pk, "runbook": runbook.pk, "activated_at": bad},
            "activated_at",
        ),
        (
            "post",
            f"/api/v1/fallback-activations/{activation.pk}/deactivate/",
            {"deactivated_at": bad},
            "deactivated_at",
        ),
        (
            "post",
            f"/api/v1/fallback-activations/{activation.pk}/steps/",
            {"order": 1, "completed_at": bad},
            "completed_at",
        ),
        ("post", f"/api/v1/runbooks/{runbook.pk}/drill/", {"at": bad}, "at"),
    ]


def _outage(workflow, **times) -> dict:
    return {
        "workflow": workflow.pk,
        "severity": "down",
        "started_at": START.isoformat(),
        **times,
    }


WRITES = [
    "outage started_at",
    "outage ended_at",
    "patch started_at",
    "patch ended_at",
    "status update",
    "maintenance starts_at",
    "maintenance ends_at",
    "activation",
    "deactivation",
    "step",
    "drill",
]


@pytest.mark.parametrize("bad", BAD_TIMES)
@pytest.mark.parametrize("which", range(len(WRITES)), ids=WRITES)
def test_every_write_refuses_a_time_outside_the_range(
    customer_client, workflow, outage, runbook, activation, which, bad
):
    method, url, body, field = writes(workflow, outage, runbook, activation, bad)[which]
    before = snapshot()
    response = getattr(customer_client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field], response.json()
    assert "2000" in response.json()[field][0]
    assert snapshot() == before


@pytest.mark.parametrize("at", ["2000-01-01T00:00:00-14:00", "2100-12-31T23:59:59Z"])
def test_the_edges_of_the_range_are_accepted(customer_client, workflow, at):
    response = customer_client.post("/api/v1/outages/", _outage(workflow, started_at=at))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("url", ["/api/v1/sla/", "/api/v1/dependencies/"])
@pytest.mark.parametrize(
    "start, end, field",
    [
        ("0001-01-01", "2026-10-01", "start"),
        ("0001-01-01T00:00:00+01:00", "2026-10-01T00:00:00Z", "start"),
        ("2026-09-01", "9999-12-31", "end"),
        ("2026-09-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "end"),
        ("2026-09-01T00:00:00+15:00", "2026-10-01T00:00:00Z", "start"),
        ("1999-12-01", "2000-01-01", "start"),
    ],
)
def test_sla_ranges_outside_the_years_are_400(staff_client, customer, url, start, end, field):
    response = staff_client.get(url, {"customer": customer.slug, "start": start, "end": end})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert "2000" in response.json()[field][0]
