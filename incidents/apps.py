from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_result_partitions(sender, using: str = "default", **kwargs) -> None:
    """Every `migrate` makes the coming months' result partitions, as the beat task does."""
    from incidents.services import partitions

    if using == "default":
        partitions.result_partitions_ensure()


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents import signals

        signals.connect()
        post_migrate.connect(_ensure_result_partitions, sender=self)
