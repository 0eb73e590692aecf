"""Write paths for runbooks: editing (with versions) and drills."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from continuity.exceptions import DomainError
from continuity.models import FallbackActivation, Runbook, RunbookStep
from continuity.rows import save_existing


def runbook_save(*, runbook: Runbook, steps: list[dict] | None, **fields) -> Runbook:
    """Create or edit a runbook; editing one that activations used starts a new version."""
    with transaction.atomic():
        is_new = runbook.pk is None
        if not is_new and runbook.activations.exists():
            runbook.version += 1
        for name, value in fields.items():
            setattr(runbook, name, value)
        if is_new:
            runbook.save()
        else:
            save_existing(runbook)
        if steps is not None:
            runbook.steps.all().delete()
            RunbookStep.objects.bulk_create(
                [RunbookStep(runbook=runbook, **step) for step in steps]
            )
    return runbook


def runbook_drill(
    *, runbook: Runbook, at: datetime | None = None, by: str = ""
) -> FallbackActivation:
    """A drill: the fallback exercised without an outage; it marks the runbook tested."""
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=2):
        raise DomainError("A drill cannot be recorded in the future.", field="at")
    with transaction.atomic():
        drill = FallbackActivation.objects.create(
            outage=None,
            runbook=runbook,
            runbook_version=runbook.version,
            runbook_snapshot=runbook.snapshot(),
            activated_at=at,
            deactivated_at=at,
            activated_by=by,
            is_drill=True,
        )
        if runbook.last_tested_at is None or runbook.last_tested_at < at:
            Runbook.objects.filter(pk=runbook.pk).update(last_tested_at=at)
            runbook.last_tested_at = at
    return drill
