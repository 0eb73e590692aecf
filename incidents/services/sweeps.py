"""Recording how each periodic sweep went, for `/metrics`."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from incidents.models import SweepRun


def sweep_record(
    *, name: str, swept: int, failed_ids: Iterable[int], now: datetime | None = None
) -> SweepRun:
    """Replace the stored outcome of the sweep `name` with this run's."""
    failed = sorted(failed_ids)
    row, _ = SweepRun.objects.update_or_create(
        name=name,
        defaults={
            "finished_at": now or timezone.now(),
            "swept": swept,
            "failures": len(failed),
            "failed_ids": failed,
        },
    )
    return row
