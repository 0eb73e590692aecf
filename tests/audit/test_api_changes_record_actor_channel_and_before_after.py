"""Each kind of change through the API lands in the trail: who, via `api`, before → after."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from continuity.models import CreditTier, FallbackActivation, Runbook, RunbookStep, SLAPolicy
from incidents.models import MaintenanceWindow
from reports.models import Report
from tests.audit.conftest import START, latest, manual_outage
from tests.factories import make_key

pytestmark = pytest.mark.django_db

AFTER_OCTOBER = START.replace(month=11, day=2)


@pytest.fixture
def ops(api, customer):
    return api(make_key(customer=customer, name="ops-bot"))


@pytest.fixture
def runbook(workflow):
    runbook = Runbook.objects.create(
        workflow=workflow, title="Second provider", fallback_strategy="x"
    )
    RunbookStep.objects.create(runbook=runbook, order=1, title="Switch DNS")
    return runbook


def outage_created(ops, workflow):
    response = ops.post(
        "/api/v1/outages/",
        {"workflow": workflow.pk, "started_at": START.isoformat(), "severity": "down"},
        format="json",
    )
    return "outage", response.json()["id"], "create", {"severity": [None, "down"]}


def outage_excluded(ops, workflow):
    outage = manual_outage(workflow)
    ops.patch(
        f"/api/v1/outages/{outage.pk}/",
        {"excluded_from_sla": True, "exclusion_reason": "Customer change freeze"},
        format="json",
    )
    changes = {
        "excluded_from_sla": [False, True],
        "exclusion_reason": ["", "Customer change freeze"],
    }
    return "outage", outage.pk, "update", changes


def outage_reincluded(ops, workflow):
    outage = manual_outage(workflow, excluded_from_sla=True, exclusion_reason="freeze")
    ops.patch(f"/api/v1/outages/{outage.pk}/", {"excluded_from_sla": False}, format="json")
    return "outage", outage.pk, "update", {"excluded_from_sla": [True, False]}


def outage_edited(ops, workflow):
    outage = manual_outage(workflow)
    ended = START + timedelta(hours=1)
    ops.patch(f"/api/v1/outages/{outage.pk}/", {"ended_at": ended.isoformat()}, format="json")
    return "outage", outage.pk, "update", {"ended_at": [None, ended.isoformat()]}


def outage_deleted(ops, workflow):
    outage = manual_outage(workflow, root_cause="DNS")
    ops.delete(f"/api/v1/outages/{outage.pk}/")
    return "outage", outage.pk, "delete", {"root_cause": ["DNS", None]}


def maintenance_created(ops, workflow):
    ends = START + timedelta(hours=2)
    response = ops.post(
        "/api/v1/maintenance-windows/",
        {
            "customer": workflow.customer.slug,
            "workflows": [workflow.pk],
            "starts_at": START.isoformat(),
            "ends_at": ends.isoformat(),
            "reason": "upgrade",
        },
        format="json",
    )
    return "maintenance_window", response.json()["id"], "create", {"reason": [None, "upgrade"]}


def maintenance_extended(ops, workflow):
    window = MaintenanceWindow.objects.create(
        customer=workflow.customer, starts_at=START, ends_at=START + timedelta(hours=1)
    )
    ends = START + timedelta(hours=3)
    ops.patch(
        f"/api/v1/maintenance-windows/{window.pk}/", {"ends_at": ends.isoformat()}, format="json"
    )
    before = (START + timedelta(hours=1)).isoformat()
    return "maintenance_window", window.pk, "update", {"ends_at": [before, ends.isoformat()]}


def maintenance_narrowed(ops, workflow):
    window = MaintenanceWindow.objects.create(
        customer=workflow.customer, starts_at=START, ends_at=START + timedelta(hours=1)
    )
    ops.patch(
        f"/api/v1/maintenance-windows/{window.pk}/", {"workflows": [workflow.pk]}, format="json"
    )
    return "maintenance_window", window.pk, "workflow_add", {"workflow": [None, workflow.pk]}


def maintenance_deleted(ops, workflow):
    window = MaintenanceWindow.objects.create(
        customer=workflow.customer, starts_at=START, ends_at=START + timedelta(hours=1), reason="x"
    )
    ops.delete(f"/api/v1/maintenance-windows/{window.pk}/")
    return "maintenance_window", window.pk, "delete", {"reason": ["x", None]}


def policy_target_changed(ops, workflow):
    policy = SLAPolicy.objects.create(customer=workflow.customer, name="Gold", target_pct=99.9)
    ops.patch(f"/api/v1/sla-policies/{policy.pk}/", {"target_pct": "99.500"}, format="json")
    return "sla_policy", policy.pk, "update", {"target_pct": ["99.900", "99.500"]}


def policy_tier_added(ops, workflow):
    policy = SLAPolicy.objects.create(customer=workflow.customer, name="Gold", target_pct=99.9)
    tiers = [{"below_pct": "99.000", "credit_pct": "10.00"}]
    ops.patch(f"/api/v1/sla-policies/{policy.pk}/", {"credit_tiers": tiers}, format="json")
    changes = {"below_pct": [None, "99.000"], "credit_pct": [None, "10.00"]}
    return "sla_policy", policy.pk, "credit_tier_create", changes


def policy_tier_removed(ops, workflow):
    policy = SLAPolicy.objects.create(customer=workflow.customer, name="Gold", target_pct=99.9)
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99"), credit_pct=Decimal("10"))
    ops.patch(f"/api/v1/sla-policies/{policy.pk}/", {"credit_tiers": []}, format="json")
    changes = {"below_pct": ["99.000", None], "credit_pct": ["10.00", None]}
    return "sla_policy", policy.pk, "credit_tier_delete", changes


def workflow_figures_changed(ops, workflow):
    policy = SLAPolicy.objects.create(customer=workflow.customer, name="Gold", target_pct=99.9)
    ops.patch(
        f"/api/v1/workflows/{workflow.pk}/",
        {
            "cost_per_minute": "25.00",
            "users_affected": 250,
            "rto_minutes": 30,
            "sla_policy": policy.pk,
        },
        format="json",
    )
    changes = {
        "cost_per_minute": ["10.00", "25.00"],
        "users_affected": [100, 250],
        "rto_minutes": [15, 30],
        "sla_policy": [None, policy.pk],
    }
    return "workflow", workflow.pk, "update", changes


def fallback_activated(ops, workflow, runbook):
    outage = manual_outage(workflow)
    at = START + timedelta(minutes=12)
    response = ops.post(
        "/api/v1/fallback-activations/",
        {"outage": outage.pk, "runbook": runbook.pk, "activated_at": at.isoformat()},
        format="json",
    )
    changes = {"activated_at": [None, at.isoformat()], "activated_by": [None, "api-key:ops-bot"]}
    return "fallback_activation", response.json()["id"], "create", changes


def fallback_deactivated(ops, workflow, runbook):
    outage = manual_outage(workflow)
    activation = FallbackActivation.objects.create(
        outage=outage, runbook=runbook, runbook_version=1, activated_at=START
    )
    at = START + timedelta(minutes=40)
    ops.post(
        f"/api/v1/fallback-activations/{activation.pk}/deactivate/",
        {"deactivated_at": at.isoformat()},
        format="json",
    )
    return (
        "fallback_activation",
        activation.pk,
        "update",
        {"deactivated_at": [None, at.isoformat()]},
    )


def runbook_edited(ops, workflow, runbook):
    ops.patch(
        f"/api/v1/runbooks/{runbook.pk}/", {"fallback_strategy": "Call vendor B"}, format="json"
    )
    return "runbook", runbook.pk, "update", {"fallback_strategy": ["x", "Call vendor B"]}


def runbook_step_replaced(ops, workflow, runbook):
    steps = [{"order": 1, "title": "Switch DNS to vendor B"}]
    ops.patch(f"/api/v1/runbooks/{runbook.pk}/", {"steps": steps}, format="json")
    return "runbook", runbook.pk, "step_create", {"title": [None, "Switch DNS to vendor B"]}


CASES = [
    outage_created,
    outage_excluded,
    outage_reincluded,
    outage_edited,
    outage_deleted,
    maintenance_created,
    maintenance_extended,
    maintenance_narrowed,
    maintenance_deleted,
    policy_target_changed,
    policy_tier_added,
    policy_tier_removed,
    workflow_figures_changed,
]
RUNBOOK_CASES = [fallback_activated, fallback_deactivated, runbook_edited, runbook_step_replaced]


def assert_recorded(auditor, customer, object_type, object_id, action, changes):
    event = latest(auditor, object_type, object_id, action)
    assert (event["actor"], event["channel"]) == ("api-key:ops-bot", "api")
    assert event["customer"] == customer.pk
    assert {name: event["changes"].get(name) for name in changes} == changes


@pytest.mark.parametrize("change", CASES, ids=lambda case: case.__name__)
def test_change_is_recorded(change, ops, auditor, customer, workflow):
    assert_recorded(auditor, customer, *change(ops, workflow))


@pytest.mark.parametrize("change", RUNBOOK_CASES, ids=lambda case: case.__name__)
def test_fallback_and_runbook_change_is_recorded(change, ops, auditor, customer, workflow, runbook):
    assert_recorded(auditor, customer, *change(ops, workflow, runbook))


def test_report_generate_revise_and_resend_are_recorded(
    ops, auditor, customer, workflow, smtp, media, django_capture_on_commit_callbacks
):
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = ops.post(
                "/api/v1/reports/",
                {"customer": customer.slug, "period": "2026-10", "send": True},
                format="json",
            ).json()["id"]
        ops.post(f"/api/v1/reports/{first}/send/")
        with django_capture_on_commit_callbacks(execute=True):
            ops.post(f"/api/v1/reports/{first}/revise/")
    revision = Report.objects.get(customer=customer, revision=2)
    assert_recorded(auditor, customer, "report", first, "create", {"period": [None, "2026-10"]})
    assert_recorded(
        auditor, customer, "report", first, "delivery_create", {"kind": [None, "resend"]}
    )
    assert_recorded(auditor, customer, "report", revision.pk, "create", {"revision": [None, 2]})
    superseded = latest(auditor, "report", first, "update")
    assert superseded["changes"]["superseded_by"] == [None, revision.pk]
