"""Changes made in the Django admin (a superuser posting its forms) land in the trail."""

from datetime import timedelta
from decimal import Decimal

import pytest

from continuity.models import APIKey, FallbackActivation, Runbook, RunbookStep, SLAPolicy
from incidents.models import MaintenanceWindow
from tests.audit.admin_forms import form_errors, post_change_form
from tests.audit.conftest import START, events, latest, manual_outage
from tests.factories import make_key

pytestmark = pytest.mark.django_db


def assert_by_root(event: dict, changes: dict) -> None:
    assert (event["actor"], event["channel"]) == ("root", "admin")
    assert {name: event["changes"].get(name) for name in changes} == changes


def change(admin_session, app_model: str, pk: int, **fields):
    url = f"/admin/{app_model}/{pk}/change/"
    response = post_change_form(admin_session, url, f"{app_model.split('/')[1]}_form", **fields)
    assert response.status_code == 302, form_errors(response)


def test_outage_exclusion(admin_session, auditor, workflow):
    outage = manual_outage(workflow)
    change(
        admin_session,
        "incidents/outage",
        outage.pk,
        excluded_from_sla="on",
        exclusion_reason="Provider credit agreed",
    )
    event = latest(auditor, "outage", outage.pk, "update")
    assert_by_root(
        event,
        {
            "excluded_from_sla": [False, True],
            "exclusion_reason": ["", "Provider credit agreed"],
        },
    )
    assert event["customer"] == workflow.customer_id


def test_workflow_figures(admin_session, auditor, workflow):
    change(admin_session, "continuity/workflow", workflow.pk, cost_per_minute="42.00")
    event = latest(auditor, "workflow", workflow.pk, "update")
    assert_by_root(event, {"cost_per_minute": ["10.00", "42.00"]})


def test_sla_policy_and_its_tiers(admin_session, auditor, customer):
    policy = SLAPolicy.objects.create(customer=customer, name="Gold", target_pct=Decimal("99.9"))
    change(
        admin_session,
        "continuity/slapolicy",
        policy.pk,
        target_pct="99.5",
        **{"credit_tiers-0-below_pct": "99", "credit_tiers-0-credit_pct": "10"},
    )
    assert_by_root(
        latest(auditor, "sla_policy", policy.pk, "update"), {"target_pct": ["99.900", "99.500"]}
    )
    assert_by_root(
        latest(auditor, "sla_policy", policy.pk, "credit_tier_create"),
        {"below_pct": [None, "99.000"], "credit_pct": [None, "10.00"]},
    )


def test_maintenance_window_added(admin_session, auditor, customer, workflow):
    response = post_change_form(
        admin_session,
        "/admin/incidents/maintenancewindow/add/",
        "maintenancewindow_form",
        customer=str(customer.pk),
        workflows=[str(workflow.pk)],
        starts_at_0="2026-10-14",
        starts_at_1="02:00:00",
        ends_at_0="2026-10-14",
        ends_at_1="04:00:00",
        reason="Database upgrade",
    )
    assert response.status_code == 302, form_errors(response)
    window = MaintenanceWindow.objects.get()
    assert_by_root(
        latest(auditor, "maintenance_window", window.pk, "create"),
        {"reason": [None, "Database upgrade"], "customer": [None, customer.pk]},
    )
    assert_by_root(
        latest(auditor, "maintenance_window", window.pk, "workflow_add"),
        {"workflow": [None, workflow.pk]},
    )


def test_used_runbook_edit_goes_through_versioning(admin_session, auditor, workflow):
    runbook = Runbook.objects.create(workflow=workflow, title="Fallback", fallback_strategy="B")
    RunbookStep.objects.create(runbook=runbook, order=1, title="Switch DNS")
    FallbackActivation.objects.create(
        outage=manual_outage(workflow), runbook=runbook, runbook_version=1, activated_at=START
    )
    change(
        admin_session,
        "continuity/runbook",
        runbook.pk,
        fallback_strategy="Vendor B",
        **{"steps-0-title": "Switch DNS to vendor B"},
    )
    runbook.refresh_from_db()
    assert runbook.version == 2
    assert list(runbook.steps.values_list("order", "title")) == [(1, "Switch DNS to vendor B")]
    assert_by_root(
        latest(auditor, "runbook", runbook.pk, "update"),
        {"version": [1, 2], "fallback_strategy": ["B", "Vendor B"]},
    )
    assert_by_root(
        latest(auditor, "runbook", runbook.pk, "step_create"),
        {"title": [None, "Switch DNS to vendor B"]},
    )


def test_fallback_activated_and_deactivated_by_outage_actions(admin_session, auditor, workflow):
    Runbook.objects.create(workflow=workflow, title="Fallback", fallback_strategy="B")
    outage = manual_outage(workflow)
    for action in ("activate_fallback", "deactivate_fallback"):
        response = admin_session.post(
            "/admin/incidents/outage/", {"action": action, "_selected_action": [outage.pk]}
        )
        assert response.status_code == 302
    activation = FallbackActivation.objects.get()
    assert activation.deactivated_at is not None
    assert_by_root(
        latest(auditor, "fallback_activation", activation.pk, "create"),
        {"activated_by": [None, "root"], "runbook_version": [None, 1]},
    )
    deactivated = latest(auditor, "fallback_activation", activation.pk, "update")
    assert_by_root(deactivated, {"deactivated_by": ["", "root"]})


def test_api_key_revoked(admin_session, auditor, customer):
    make_key(customer=customer, name="leaked")
    key = APIKey.objects.get(name="leaked")
    response = admin_session.post(
        "/admin/continuity/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    event = latest(auditor, "api_key", key.pk, "update")
    assert_by_root(event, {})
    assert event["changes"]["revoked_at"][0] is None
    assert event["changes"]["revoked_at"][1] is not None
    assert event["customer"] == customer.pk


def test_trail_filters_by_actor_and_channel_of_admin(admin_session, auditor, workflow):
    change(admin_session, "continuity/workflow", workflow.pk, rto_minutes="45")
    by_root = events(auditor, actor="root")
    assert [(e["object_type"], e["action"]) for e in by_root] == [("workflow", "update")]
    assert all(e["channel"] == "admin" for e in by_root)
    assert events(auditor, actor="nobody") == []
    start = START + timedelta(days=3650)
    assert events(auditor, since=start.isoformat()) == []
