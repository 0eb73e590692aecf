"""Figures-touched marks for maintenance windows, which the API and the admin write
directly: the model signals are the one place that sees every write."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from continuity.services import figures_touch
from continuity.signals import deleted_with_customer
from incidents.models import MaintenanceWindow


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


def connect() -> None:
    pre_save.connect(_window_saving, sender=MaintenanceWindow)
    post_save.connect(_window_changed, sender=MaintenanceWindow)
    post_delete.connect(_window_changed, sender=MaintenanceWindow)
    m2m_changed.connect(_scope_changed, sender=MaintenanceWindow.workflows.through)
