"""What the audit trail records: one pghistory event table per tracked table.

Each tracked table gets PostgreSQL triggers (installed after `migrate`) that copy the row
into its event table on insert, on an update that changes a tracked field, and on delete,
with the actor and channel of the request or task around it. Nothing that writes through
the database escapes them: the ORM, a bulk `QuerySet.update`, raw SQL. Event tables are
append-only (a trigger refuses UPDATE and DELETE on them).

A child table (a runbook's steps, a policy's credit tiers) is reported as a change of its
parent: `object_type` and `object_id` name the parent, the action says which child.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pghistory
from django.db import models

from continuity.models import (
    APIKey,
    CreditTier,
    Customer,
    FallbackActivation,
    Runbook,
    RunbookStep,
    SLAPolicy,
    Workflow,
)
from incidents.models import MaintenanceWindow, Outage, OutageUpdate
from reports.models import Report, ReportDelivery

BASELINE = "baseline"  # a snapshot of rows that existed before tracking began; not a change


def row_events() -> tuple:
    """Trackers for a table's rows (fresh ones per table: pghistory binds them to it)."""
    return (
        pghistory.InsertEvent("create"),
        pghistory.UpdateEvent("update"),
        pghistory.DeleteEvent("delete"),
        pghistory.ManualEvent(BASELINE),
    )


def link_events() -> tuple:
    """Trackers for a many-to-many link table: links are added and removed, never changed."""
    return (
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        pghistory.ManualEvent(BASELINE),
    )


@dataclass(frozen=True)
class Tracked:
    """A tracked table and how its events read in the trail."""

    key: str  # names the event table in event ids, e.g. "runbook_step-12"
    object_type: str
    model: type[models.Model]
    customer: str  # lookup from an event row to its customer's id
    object_id: str = "pgh_obj_id"
    action_prefix: str = ""
    exclude: tuple[str, ...] = ()
    events: Callable[[], tuple] = row_events


TRACKED = (
    Tracked("customer", "customer", Customer, "id", exclude=("created_at",)),
    Tracked(
        "workflow",
        "workflow",
        Workflow,
        "customer_id",
        exclude=("created_at", "derived_at", "current_state"),
    ),
    Tracked("sla_policy", "sla_policy", SLAPolicy, "customer_id", exclude=("created_at",)),
    Tracked(
        "credit_tier",
        "sla_policy",
        CreditTier,
        "policy__customer_id",
        object_id="policy_id",
        action_prefix="credit_tier_",
    ),
    Tracked(
        "outage",
        "outage",
        Outage,
        "workflow__customer_id",
        exclude=("created_at", "updated_at"),
    ),
    Tracked(
        "outage_update",
        "outage",
        OutageUpdate,
        "outage__workflow__customer_id",
        object_id="outage_id",
        action_prefix="status_update_",
        exclude=("created_at",),
    ),
    Tracked(
        "maintenance_window",
        "maintenance_window",
        MaintenanceWindow,
        "customer_id",
        exclude=("created_at",),
    ),
    Tracked(
        "maintenance_window_workflow",
        "maintenance_window",
        MaintenanceWindow.workflows.through,
        "maintenancewindow__customer_id",
        object_id="maintenancewindow_id",
        action_prefix="workflow_",
        events=link_events,
    ),
    Tracked(
        "runbook",
        "runbook",
        Runbook,
        "workflow__customer_id",
        exclude=("created_at", "updated_at"),
    ),
    Tracked(
        "runbook_step",
        "runbook",
        RunbookStep,
        "runbook__workflow__customer_id",
        object_id="runbook_id",
        action_prefix="step_",
    ),
    Tracked(
        "fallback_activation",
        "fallback_activation",
        FallbackActivation,
        "runbook__workflow__customer_id",
        exclude=("created_at", "runbook_snapshot"),
    ),
    Tracked(
        "report",
        "report",
        Report,
        "customer_id",
        exclude=("created_at", "figures", "attempts", "send_claimed_at", "last_error"),
    ),
    Tracked(
        "report_delivery",
        "report",
        ReportDelivery,
        "report__customer_id",
        object_id="report_id",
        action_prefix="delivery_",
    ),
    Tracked(
        "api_key",
        "api_key",
        APIKey,
        "customer_id",
        exclude=("created_at", "key_hash", "last_used_at"),
    ),
)


def _event_model_name(tracked: Tracked) -> str:
    return "".join(part.title() for part in tracked.key.split("_")) + "Event"


def _track(tracked: Tracked) -> type[models.Model]:
    return pghistory.create_event_model(
        tracked.model,
        *tracked.events(),
        exclude=list(tracked.exclude),
        obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
        context_field=pghistory.ContextJSONField(),
        append_only=True,
        model_name=_event_model_name(tracked),
        app_label="audit",
        abstract=False,
        meta={"indexes": [models.Index(fields=["pgh_created_at"])]},
    )


EVENT_MODELS: dict[str, type[models.Model]] = {tracked.key: _track(tracked) for tracked in TRACKED}
