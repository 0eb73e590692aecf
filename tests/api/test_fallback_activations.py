from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from continuity.models import FallbackActivation, Runbook, RunbookStep
from incidents.models import Outage
from incidents.services.fallbacks import fallbacks_auto_activate, fallbacks_flag_forgotten
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


@pytest.fixture
def workflow(customer):
    return WorkflowFactory(customer=customer, rto_minutes=15)


@pytest.fixture
def runbook(workflow):
    runbook = Runbook.objects.create(
        workflow=workflow, title="Switch to Azure OpenAI", fallback_strategy="second provider"
    )
    RunbookStep.objects.create(runbook=runbook, order=1, title="Flip the feature flag")
    RunbookStep.objects.create(runbook=runbook, order=2, title="Tell support", expected_minutes=2)
    return runbook


@pytest.fixture
def outage(workflow):
    return Outage.objects.create(
        workflow=workflow, started_at=START, severity="down", source="probe"
    )


def activate(client, outage, runbook, **extra):
    return client.post(
        "/api/v1/fallback-activations/",
        {"outage": outage.pk, "runbook": runbook.pk, **extra},
        format="json",
    )


def test_activate_deactivate_and_complete_steps(customer_client, outage, runbook):
    response = activate(
        customer_client,
        outage,
        runbook,
        effectiveness_pct="80",
        activated_at=(START + timedelta(minutes=12)).isoformat(),
    )
    assert response.status_code == 201, response.json()
    activation = response.json()
    assert activation["effectiveness_pct"] == "80.00"
    assert activation["runbook_version"] == 1
    step = customer_client.post(
        f"/api/v1/fallback-activations/{activation['id']}/steps/",
        {"order": 1, "completed_at": (START + timedelta(minutes=14)).isoformat()},
        format="json",
    )
    assert step.status_code == 201, step.json()
    done = customer_client.post(
        f"/api/v1/fallback-activations/{activation['id']}/deactivate/",
        {"deactivated_at": (START + timedelta(minutes=90)).isoformat()},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["deactivated_at"].startswith("2026-10-14T14:50")
    detail = customer_client.get(f"/api/v1/outages/{outage.pk}/").json()
    [listed] = detail["fallback_activations"]
    assert listed["step_completions"][0]["title"] == "Flip the feature flag"


def test_activated_at_defaults_to_now(customer_client, outage, runbook):
    before = datetime.now(UTC)
    response = activate(customer_client, outage, runbook)
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["activated_at"]) >= before - timedelta(seconds=1)
    assert response.json()["effectiveness_pct"] == "100.00"


def test_only_one_active_activation_per_outage(customer_client, outage, runbook):
    assert activate(customer_client, outage, runbook).status_code == 201
    second = activate(customer_client, outage, runbook)
    assert second.status_code == 409
    assert "already has an active fallback" in second.json()["detail"]
    assert FallbackActivation.objects.count() == 1


def test_deactivating_twice_is_rejected(customer_client, outage, runbook):
    activation_id = activate(customer_client, outage, runbook).json()["id"]
    url = f"/api/v1/fallback-activations/{activation_id}/deactivate/"
    first = customer_client.post(url, {}, format="json")
    assert first.status_code == 200
    again = customer_client.post(url, {}, format="json")
    assert again.status_code == 409
    assert "already deactivated" in again.json()["detail"]
    assert FallbackActivation.objects.get().deactivated_at.isoformat() == first.json()[
        "deactivated_at"
    ].replace("Z", "+00:00")


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"activated_at": (START - timedelta(minutes=1)).isoformat()}, "activated_at"),
        ({"effectiveness_pct": "120"}, "effectiveness_pct"),
        ({"effectiveness_pct": "-5"}, "effectiveness_pct"),
    ],
)
def test_bad_activation_is_rejected_and_changes_nothing(
    customer_client, outage, runbook, extra, field
):
    response = activate(customer_client, outage, runbook, **extra)
    assert response.status_code == 400
    assert field in response.json()
    assert not FallbackActivation.objects.exists()


def test_runbook_of_another_workflow_is_rejected(customer_client, customer, outage):
    other = Runbook.objects.create(
        workflow=WorkflowFactory(customer=customer), title="other", fallback_strategy="x"
    )
    response = activate(customer_client, outage, other)
    assert response.status_code == 400
    assert "runbook" in response.json()


def test_foreign_outage_and_activation_are_404(customer_client, api, outage, runbook):
    from tests.factories import CustomerFactory, make_key

    stranger = api(make_key(customer=CustomerFactory()))
    assert activate(stranger, outage, runbook).status_code == 400
    activation_id = activate(customer_client, outage, runbook).json()["id"]
    assert stranger.get(f"/api/v1/fallback-activations/{activation_id}/").status_code == 404
    url = f"/api/v1/fallback-activations/{activation_id}/deactivate/"
    assert stranger.post(url, {}, format="json").status_code == 404
    assert stranger.get(f"/api/v1/runbooks/{runbook.pk}/").status_code == 404
    assert FallbackActivation.objects.get().deactivated_at is None


def test_editing_a_used_runbook_keeps_the_version_the_activation_used(
    customer_client, outage, runbook
):
    activate(customer_client, outage, runbook)
    response = customer_client.patch(
        f"/api/v1/runbooks/{runbook.pk}/",
        {"steps": [{"order": 1, "title": "Call the vendor", "expected_minutes": 5}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    activation = FallbackActivation.objects.get()
    assert activation.runbook_version == 1
    assert [s["title"] for s in activation.runbook_snapshot["steps"]] == [
        "Flip the feature flag",
        "Tell support",
    ]


def test_drill_marks_runbook_tested(customer_client, runbook):
    response = customer_client.post(f"/api/v1/runbooks/{runbook.pk}/drill/", {}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["last_tested_at"] is not None
    drill = FallbackActivation.objects.get()
    assert drill.is_drill and drill.outage is None


def test_runbook_crud_with_steps(customer_client, workflow):
    response = customer_client.post(
        "/api/v1/runbooks/",
        {
            "workflow": workflow.pk,
            "title": "Manual handling",
            "fallback_strategy": "Agents answer from the FAQ",
            "auto_activate_after_minutes": 10,
            "steps": [
                {"order": 2, "title": "Post banner", "owner_role": "support lead"},
                {"order": 1, "title": "Page on-call", "owner_role": "SRE", "expected_minutes": 3},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [s["order"] for s in response.json()["steps"]] == [1, 2]


def test_auto_activation_happens_once(outage, runbook):
    runbook.auto_activate_after_minutes = 10
    runbook.save()
    assert fallbacks_auto_activate(now=START + timedelta(minutes=9)) == []
    [activation] = fallbacks_auto_activate(now=START + timedelta(minutes=10))
    assert activation.automatic
    assert activation.activated_at == START + timedelta(minutes=10)
    FallbackActivation.objects.filter(pk=activation.pk).update(
        deactivated_at=START + timedelta(minutes=20)
    )
    assert fallbacks_auto_activate(now=START + timedelta(minutes=30)) == []
    assert FallbackActivation.objects.count() == 1


def test_activation_left_on_after_resolution_is_flagged(outage, runbook):
    activation = FallbackActivation.objects.create(
        outage=outage,
        runbook=runbook,
        runbook_version=1,
        activated_at=START + timedelta(minutes=5),
        effectiveness_pct=Decimal(100),
    )
    Outage.objects.filter(pk=outage.pk).update(ended_at=START + timedelta(hours=1))
    assert fallbacks_flag_forgotten(now=START + timedelta(hours=1, minutes=10)) == 0
    assert fallbacks_flag_forgotten(now=START + timedelta(hours=1, minutes=31)) == 1
    activation.refresh_from_db()
    assert activation.flagged_at is not None
