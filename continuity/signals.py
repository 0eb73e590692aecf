"""Figures-touched marks for the settings SLA figures rest on (customers, workflows, policies).

These rows are written by the API's serializers, the admin and the demo alike, with no
service in between, so the model signals are the one place that sees every write. A
settings change is not dated: it changes the figures of every period, so it marks them all.
"""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from continuity.models import CreditTier, Customer, SLAPolicy, Workflow
from continuity.services import figures_touch

CUSTOMER_FIGURE_FIELDS = ("timezone", "sla_policy_id")
WORKFLOW_FIGURE_FIELDS = (
    "customer_id",
    "sla_policy_id",
    "cost_per_minute",
    "currency",
    "users_affected",
    "rto_minutes",
    "sla_effective_from",
    "upstream_dependency",
)


def touch_all_periods(customer_ids) -> None:
    figures_touch(customer_ids=customer_ids, since=None, until=None)


def deleted_with_customer(origin) -> bool:
    """A row deleted because its customer is: nothing is left to mark."""
    return isinstance(origin, Customer) or getattr(origin, "model", None) is Customer


def stored_if_changed(instance, fields: tuple[str, ...], update_fields) -> dict | None:
    """The stored values of `fields` when this save of an existing row changes one of them.

    One read, skipped when `update_fields` names none of them (derivation's bookkeeping)."""
    if instance.pk is None:
        return None
    names = {f.removesuffix("_id") for f in fields}
    if update_fields is not None and not names & {f.removesuffix("_id") for f in update_fields}:
        return None
    before = type(instance).objects.filter(pk=instance.pk).values(*fields).first()
    if before is None or all(before[f] == getattr(instance, f) for f in fields):
        return None
    return before


def _customer_saving(sender, instance: Customer, update_fields=None, **kwargs) -> None:
    if stored_if_changed(instance, CUSTOMER_FIGURE_FIELDS, update_fields):
        touch_all_periods([instance.pk])


def _workflow_saving(sender, instance: Workflow, update_fields=None, **kwargs) -> None:
    before = stored_if_changed(instance, WORKFLOW_FIGURE_FIELDS, update_fields)
    if before:
        touch_all_periods({instance.customer_id, before["customer_id"]})


def _workflow_deleted(sender, instance: Workflow, origin=None, **kwargs) -> None:
    if not deleted_with_customer(origin):
        touch_all_periods([instance.customer_id])


def policy_customers(policy_id: int) -> set[int]:
    return set(
        Customer.objects.filter(
            Q(sla_policy_id=policy_id) | Q(workflows__sla_policy_id=policy_id)
        ).values_list("pk", flat=True)
    )


def _policy_changed(sender, instance: SLAPolicy, origin=None, **kwargs) -> None:
    if instance.pk is not None and not deleted_with_customer(origin):
        touch_all_periods(policy_customers(instance.pk))


def _tier_changed(sender, instance: CreditTier, origin=None, **kwargs) -> None:
    if not deleted_with_customer(origin):
        touch_all_periods(policy_customers(instance.policy_id))


def connect() -> None:
    pre_save.connect(_customer_saving, sender=Customer)
    pre_save.connect(_workflow_saving, sender=Workflow)
    post_delete.connect(_workflow_deleted, sender=Workflow)
    post_save.connect(_policy_changed, sender=SLAPolicy)
    pre_delete.connect(_policy_changed, sender=SLAPolicy)
    post_save.connect(_tier_changed, sender=CreditTier)
    post_delete.connect(_tier_changed, sender=CreditTier)
