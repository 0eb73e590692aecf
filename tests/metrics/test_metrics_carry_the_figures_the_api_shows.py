"""`/metrics` carries, for each workflow, the state, open outages and month-to-date figures
`GET /api/v1/workflows/`, `outages/` and `sla/` show for it at the same instant."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from continuity.models import Runbook, SLAPolicy, Workflow
from incidents.models import Outage
from reports.metrics.workflows import STATE_VALUES
from tests.factories import CustomerFactory, WorkflowFactory
from tests.metrics.scrape import of_workflow, scrape

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def berlin():
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.500"))
    return CustomerFactory(timezone="Europe/Berlin", sla_policy=policy)


@pytest.fixture
def failing(berlin, staff_client):
    """Down now for 40 minutes, a fallback on after 10; a 50-minute outage earlier."""
    workflow = WorkflowFactory(customer=berlin, rto_minutes=15)
    Outage.objects.create(
        workflow=workflow,
        started_at=datetime(2026, 10, 10, 8, 0, tzinfo=UTC),
        ended_at=datetime(2026, 10, 10, 8, 50, tzinfo=UTC),
        severity="down",
        source="manual",
    )
    open_outage = Outage.objects.create(
        workflow=workflow, started_at=NOW - timedelta(minutes=40), severity="down", source="probe"
    )
    runbook = Runbook.objects.create(workflow=workflow, title="Switch provider")
    response = staff_client.post(
        "/api/v1/fallback-activations/",
        {
            "outage": open_outage.pk,
            "runbook": runbook.pk,
            "activated_at": (NOW - timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    Workflow.objects.filter(pk=workflow.pk).update(current_state="down")
    return workflow


@pytest.fixture
def healthy():
    workflow = WorkflowFactory(customer=CustomerFactory(), rto_minutes=60)
    Workflow.objects.filter(pk=workflow.pk).update(current_state="up")
    return workflow


def api_view(client, workflow) -> dict:
    """What the API shows of the workflow: its row of `sla/`, its open outages, its state."""
    sla = client.get(f"/api/v1/sla/?customer={workflow.customer.slug}").json()
    [row] = [row for row in sla["workflows"] if row["workflow"] == workflow.pk]
    outages = client.get(f"/api/v1/outages/?workflow={workflow.pk}&state=open").json()
    state = client.get(f"/api/v1/workflows/{workflow.pk}/").json()["current_state"]
    return {"sla": row, "open_outages": outages["count"], "state": state}


def seconds(minutes: str) -> float:
    return float(Decimal(minutes) * 60)


@pytest.mark.parametrize("which", ["failing", "healthy"])
def test_each_workflow_shows_the_api_figures(request, web, staff_client, metrics_token, which):
    workflow = request.getfixturevalue(which)
    api = api_view(staff_client, workflow)
    got = of_workflow(scrape(web), workflow)
    row = api["sla"]
    assert got["continuity_workflow_state"] == STATE_VALUES[api["state"]]
    assert got["continuity_workflow_open_outages"] == api["open_outages"]
    assert got["continuity_workflow_availability_percent"] == float(row["availability_pct"])
    assert got["continuity_workflow_sla_target_percent"] == float(row["target_pct"])
    assert got["continuity_workflow_error_budget_seconds"] == pytest.approx(
        seconds(row["error_budget_minutes"]), abs=0.06
    )
    assert got["continuity_workflow_error_budget_remaining_seconds"] == pytest.approx(
        seconds(row["error_budget_remaining_minutes"]), abs=0.06
    )
    assert got["continuity_workflow_rto_seconds"] == workflow.rto_minutes * 60


def test_a_workflow_down_with_its_fallback_on(web, staff_client, metrics_token, failing):
    api = api_view(staff_client, failing)
    found = scrape(web)
    got = of_workflow(found, failing)
    assert api["state"] == "down" and got["continuity_workflow_state"] == 2
    assert api["open_outages"] == 1 and got["continuity_workflow_open_outages"] == 1
    assert got["continuity_workflow_fallback_active"] == 1
    assert got["continuity_workflow_open_outage_age_seconds"] == 40 * 60
    [open_row] = [o for o in api["sla"]["outages"] if o["ended_at"] is None]
    assert seconds(open_row["time_to_mitigate_minutes"]) == 10 * 60
    assert got["continuity_workflow_open_outage_time_to_mitigate_seconds"] == 10 * 60
    # 90 minutes down in Berlin's October so far: the same 99.x % the API shows.
    assert api["sla"]["down_minutes"] == "90"
    assert got["continuity_workflow_availability_percent"] < 99.8
    for window, figures in api["sla"]["burn_rates"].items():
        burn = of_workflow(found, failing, window=window)[
            "continuity_workflow_error_budget_burn_rate"
        ]
        assert burn == pytest.approx(float(figures["rate"]), abs=0.0005)
    assert of_workflow(found, failing, window="1h")[
        "continuity_workflow_error_budget_burn_rate"
    ] == pytest.approx((40 / 60) / (1 - 0.995), rel=1e-6)
    info = of_workflow(found, failing, name=failing.name, dependency="OpenAI API")
    assert info == {"continuity_workflow_info": 1}


def test_a_healthy_workflow_has_no_open_outage_figures(web, staff_client, metrics_token, healthy):
    got = of_workflow(scrape(web), healthy)
    assert got["continuity_workflow_state"] == 0
    assert got["continuity_workflow_open_outages"] == 0
    assert got["continuity_workflow_fallback_active"] == 0
    assert got["continuity_workflow_availability_percent"] == 100
    assert "continuity_workflow_open_outage_age_seconds" not in got
    assert "continuity_workflow_open_outage_time_to_mitigate_seconds" not in got


def test_resolving_the_outage_and_switching_the_fallback_off_shows_at_the_next_scrape(
    web, staff_client, metrics_token, failing
):
    [activation] = staff_client.get("/api/v1/fallback-activations/").json()["results"]
    deactivated = staff_client.post(
        f"/api/v1/fallback-activations/{activation['id']}/deactivate/", {}, format="json"
    )
    assert deactivated.status_code == 200, deactivated.json()
    Outage.objects.filter(workflow=failing, ended_at=None).update(ended_at=NOW)
    got = of_workflow(scrape(web), failing)
    assert got["continuity_workflow_open_outages"] == 0
    assert got["continuity_workflow_fallback_active"] == 0
    assert "continuity_workflow_open_outage_age_seconds" not in got
