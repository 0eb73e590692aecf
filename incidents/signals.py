"""Figures-touched marks for maintenance windows and probes, which the API and the admin
write directly: the model signals are the one place that sees every write.

A probe counts in the SLA through the leading no-data gap (`reports.sla.leading_no_data`):
adding, removing, moving or disabling one changes the figures of every period."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from continuity.models import Workflow
from continuity.services import figures_touch
from continuity.signals import deleted_with_customer, stored_if_changed, touch_all_periods
from incidents.models import MaintenanceWindow, Probe

PROBE_FIGURE_FIELDS = ("enabled", "workflow_id")


def _touch(customer_id: int, starts_at, ends_at) -> None:
    figures_touch(customer_ids=[customer_id], since=starts_at, until=ends_at)


def _window_saving(sender, instance: MaintenanceWindow, **kwargs) -> None:
    """Where the window was before the edit: those periods lose its maintenance."""
    if instance.pk is None:
        return
    before = (
        MaintenanceWindow.objects.filter(pk=instance.pk)
        .values("customer_id", "starts_at", "ends_at")
        .first()
    )
    if before:
        _touch(before["customer_id"], before["starts_at"], before["ends_at"])


def _window_changed(sender, instance: MaintenanceWindow, origin=None, **kwargs) -> None:
    if not deleted_with_customer(origin):
        _touch(instance.customer_id, instance.starts_at, instance.ends_at)


def _scope_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    windows = MaintenanceWindow.objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    for window in windows:
        _touch(window.customer_id, window.starts_at, window.ends_at)


def _probe_saving(sender, instance: Probe, update_fields=None, **kwargs) -> None:
    before = stored_if_changed(instance, PROBE_FIGURE_FIELDS, update_fields)
    if before:
        customers = Probe.objects.filter(pk=instance.pk).values_list("workflow__customer_id")
        touch_all_periods({instance.workflow.customer_id, *(c for (c,) in customers)})


def _probe_added(sender, instance: Probe, created: bool, **kwargs) -> None:
    if created:
        touch_all_periods([instance.workflow.customer_id])


def _probe_deleted(sender, instance: Probe, origin=None, **kwargs) -> None:
    if not deleted_with_customer(origin) and not _deleted_with_workflow(origin):
        touch_all_periods([instance.workflow.customer_id])


def _deleted_with_workflow(origin) -> bool:
    return isinstance(origin, Workflow) or getattr(origin, "model", None) is Workflow


def connect() -> None:
    pre_save.connect(_probe_saving, sender=Probe)
    post_save.connect(_probe_added, sender=Probe)
    post_delete.connect(_probe_deleted, sender=Probe)
    pre_save.connect(_window_saving, sender=MaintenanceWindow)
    post_save.connect(_window_changed, sender=MaintenanceWindow)
    post_delete.connect(_window_changed, sender=MaintenanceWindow)
    m2m_changed.connect(_scope_changed, sender=MaintenanceWindow.workflows.through)
