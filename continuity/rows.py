"""Updates of rows that must still exist.

Django's `save()` on a loaded object whose row was deleted meanwhile falls back to an
INSERT and resurrects it. An update racing a delete must instead fail, as a 404.
"""

from collections.abc import Iterable

from django.db import DatabaseError, models, transaction

from continuity.exceptions import GoneError


def _gone(instance: models.Model) -> GoneError:
    return GoneError(f"This {instance._meta.verbose_name} no longer exists.")


def save_existing(instance: models.Model, *, update_fields: Iterable[str] | None = None) -> None:
    """`save()` as an UPDATE only: a vanished row raises GoneError."""
    try:
        instance.save(force_update=True, update_fields=update_fields)
    except DatabaseError as exc:
        if exc.__cause__ is not None:  # a database error, not "no row to update"
            raise
        raise _gone(instance) from exc


def lock_existing(instance: models.Model) -> None:
    """Lock the instance's row until the transaction ends; GoneError if it is gone."""
    manager = type(instance)._base_manager
    if not manager.select_for_update().filter(pk=instance.pk).exists():
        raise _gone(instance)


# A viewset mixin: PUT/PATCH lock the row first, so a delete cannot slip in before the
# serializer's plain `save()`, and an already deleted row is a 404. (No docstring: the
# OpenAPI schema would take it as the description of every operation of the viewset.)
class UpdateExistingMixin:
    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            lock_existing(serializer.instance)
            serializer.save()
