"""Writes of the closed-period figures store (`reports.models.StoredFigures`): dropping the
periods a write touched, and storing what a read computed.

Dropping runs with every figures-touched mark (`continuity.services.figures_touch`, through
the hook `reports.apps` registers), in the writer's transaction. The same statement bumps the
customer's generation; a reader stores what it computed only when the generation it read
before computing is still the one it finds, under the row's lock, when it stores. So a write
that commits while a reader computes makes the reader skip storing instead of leaving
figures from before the write.
"""

import json
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from continuity.models import Customer
from reports.figures_codec import STORE_VERSION, StoredEntry
from reports.models import FiguresGeneration, StoredFigures
from reports.periods import Period

_INVALIDATE = """
WITH bumped AS (
    INSERT INTO reports_figuresgeneration AS g (customer_id, generation)
    SELECT id, 1 FROM unnest(%(customers)s::bigint[]) AS id
    ON CONFLICT (customer_id) DO UPDATE SET generation = g.generation + 1
    RETURNING g.customer_id
)
DELETE FROM reports_storedfigures
WHERE customer_id IN (SELECT customer_id FROM bumped)
  AND (%(since)s::timestamptz IS NULL OR period_end > %(since)s::timestamptz)
  AND (%(until)s::timestamptz IS NULL OR period_start < %(until)s::timestamptz)
"""

# The generation row is locked first (an uncommitted bump is waited for, then seen), and
# the rows go in only if it is still the one read before computing: one statement.
_SAVE = """
WITH locked AS (
    INSERT INTO reports_figuresgeneration AS g (customer_id, generation)
    VALUES (%(customer)s, 0)
    ON CONFLICT (customer_id) DO UPDATE SET generation = g.generation
    RETURNING g.generation
)
INSERT INTO reports_storedfigures
    (workflow_id, customer_id, period_start, period_end, version, fingerprint, figures,
     computed_at)
SELECT w, %(customer)s, %(start)s, %(end)s, %(version)s, f, j, %(now)s
FROM unnest(%(workflows)s::bigint[], %(fingerprints)s::text[], %(figures)s::text[]) AS t(w, f, j)
WHERE (SELECT generation FROM locked) = %(generation)s
ON CONFLICT (workflow_id, period_start, period_end) DO UPDATE SET
    customer_id = excluded.customer_id,
    version = excluded.version,
    fingerprint = excluded.fingerprint,
    figures = excluded.figures,
    computed_at = excluded.computed_at
"""


def stored_figures_invalidate(
    customer_ids: list[int], since: datetime | None, until: datetime | None
) -> None:
    """Drop the stored figures of these customers' periods overlapping [since, until)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _INVALIDATE, {"customers": list(customer_ids), "since": since, "until": until}
            )
        return
    overlapping = Q(customer_id__in=customer_ids)
    if since is not None:
        overlapping &= Q(period_end__gt=since)
    if until is not None:
        overlapping &= Q(period_start__lt=until)
    with transaction.atomic():
        for customer_id in customer_ids:
            FiguresGeneration.objects.get_or_create(customer_id=customer_id)
        FiguresGeneration.objects.filter(customer_id__in=customer_ids).update(
            generation=F("generation") + 1
        )
        StoredFigures.objects.filter(overlapping).delete()


def _text(entry: StoredEntry) -> str:
    return json.dumps(entry.encoded(), separators=(",", ":"))


def stored_figures_save(
    *, customer: Customer, period: Period, entries: list[StoredEntry], generation: int
) -> int:
    """Store entries computed from inputs read after `generation` was; nothing if a write
    touched the customer since. Returns the number of rows stored."""
    if not entries:
        return 0
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _SAVE,
                {
                    "customer": customer.pk,
                    "start": period.start,
                    "end": period.end,
                    "version": STORE_VERSION,
                    "now": now,
                    "workflows": [entry.workflow_id for entry in entries],
                    "fingerprints": [entry.fingerprint for entry in entries],
                    "figures": [_text(entry) for entry in entries],
                    "generation": generation,
                },
            )
            return cursor.rowcount
    return _save_portable(customer, period, entries, generation, now)


def _save_portable(
    customer: Customer, period: Period, entries: list[StoredEntry], generation: int, now
) -> int:
    """The same through the ORM, for the embedded SQLite database (one writer at a time)."""
    with transaction.atomic():
        current = FiguresGeneration.objects.filter(customer=customer).values_list("generation")
        if (current.first() or (0,))[0] != generation:
            return 0
        StoredFigures.objects.bulk_create(
            [
                StoredFigures(
                    workflow_id=entry.workflow_id,
                    customer=customer,
                    period_start=period.start,
                    period_end=period.end,
                    version=STORE_VERSION,
                    fingerprint=entry.fingerprint,
                    figures=_text(entry),
                    computed_at=now,
                )
                for entry in entries
            ],
            update_conflicts=True,
            unique_fields=["workflow", "period_start", "period_end"],
            update_fields=["customer", "version", "fingerprint", "figures", "computed_at"],
        )
    return len(entries)
