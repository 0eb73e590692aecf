"""Write paths for runbooks (editing with versions, drills) and the figures-touched mark."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from continuity.exceptions import DomainError
from continuity.models import APIKey, FallbackActivation, FiguresTouch, Runbook, RunbookStep
from continuity.rows import save_existing


def api_key_revoke(*, key: APIKey) -> None:
    """Refuse ``key`` from now on: at once in this process, within API_KEY_CACHE_SECONDS in
    the others (their cache forgets it on expiry; this one's on save, continuity/keycache.py)."""
    if key.revoked_at is None:
        key.revoke()


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


_TOUCH = """
INSERT INTO continuity_figurestouch AS t (customer_id, since, until, touched_at)
VALUES (%s, %s, %s, clock_timestamp())
ON CONFLICT (customer_id) DO UPDATE SET
    since = CASE WHEN t.since IS NULL OR excluded.since IS NULL
                 THEN NULL ELSE LEAST(t.since, excluded.since) END,
    until = CASE WHEN t.until IS NULL OR excluded.until IS NULL
                 THEN NULL ELSE GREATEST(t.until, excluded.until) END,
    touched_at = excluded.touched_at
"""


TouchHook = Callable[[list[int], datetime | None, datetime | None], None]
_touch_hooks: list[TouchHook] = []


def register_figures_touch_hook(hook: TouchHook) -> None:
    """Something to run with every figures-touched mark, in the writer's transaction: the
    reports app drops the stored figures of the touched periods this way, without
    `continuity` importing `reports` (which sits above it)."""
    if hook not in _touch_hooks:
        _touch_hooks.append(hook)


def figures_touch(
    *, customer_ids: Iterable[int], since: datetime | None, until: datetime | None
) -> None:
    """Note that a write may have changed these customers' SLA figures over [since, until)
    (None: unbounded), so the hourly report check recomputes the sent reports it overlaps
    and the stored figures of closed periods it overlaps are dropped (the registered hooks).

    One upsert per customer on a table of one row per customer: cheap enough for every
    derivation run. Not `executemany`: the audit trail's context wrapper (pghistory) prefixes
    each statement and cannot do that to a batch."""
    customers = sorted(set(customer_ids))
    if not customers:
        return
    if connection.vendor != "postgresql":
        _figures_touch_portable(customers, since, until)
    else:
        with connection.cursor() as cursor:
            for customer_id in customers:
                cursor.execute(_TOUCH, (customer_id, since, until))
    for hook in _touch_hooks:
        hook(customers, since, until)


def _figures_touch_portable(customers: list[int], since, until) -> None:
    """The same widening through the ORM, for the embedded SQLite database (the demo)."""
    with transaction.atomic():
        for customer_id in customers:
            touch, created = FiguresTouch.objects.select_for_update().get_or_create(
                customer_id=customer_id,
                defaults={"since": since, "until": until, "touched_at": timezone.now()},
            )
            if created:
                continue
            touch.since = None if None in (touch.since, since) else min(touch.since, since)
            touch.until = None if None in (touch.until, until) else max(touch.until, until)
            touch.touched_at = timezone.now()
            touch.save()
