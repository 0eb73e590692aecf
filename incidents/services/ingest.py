"""Storing probe-result batches and queueing their derivation."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from continuity.exceptions import DomainError
from incidents.ingestion import ProbeInfo, validate_batch
from incidents.models import (
    Probe,
)
from incidents.result_store import store_results

logger = logging.getLogger(__name__)


class BatchRejected(DomainError):
    """A probe-result batch with invalid items; nothing of it was stored."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class IngestSummary:
    accepted: int
    duplicates: int
    workflow_ids: frozenset[int]  # the workflows a derivation was queued for


def _known_probes(items: list, customer_id: int | None) -> dict[int, ProbeInfo]:
    probe_ids = {
        item.get("probe")
        for item in items
        if isinstance(item, dict) and isinstance(item.get("probe"), int)
    }
    probes = Probe.objects.filter(pk__in=probe_ids)
    if customer_id is not None:
        probes = probes.filter(workflow__customer_id=customer_id)
    return {
        pk: ProbeInfo(probe_id=pk, locations=frozenset(locations))
        for pk, locations in probes.values_list("pk", "locations")
    }


def probe_results_ingest(
    *, items: object, customer_id: int | None, now: datetime | None = None
) -> IngestSummary:
    """Store a batch of results all-or-nothing and queue derivation of what they touch."""
    now = now or timezone.now()
    if not isinstance(items, list) or not items:
        raise DomainError("'results' must be a non-empty list of probe results.", field="results")
    if len(items) > settings.PROBE_RESULT_MAX_BATCH:
        raise DomainError(
            f"A batch holds at most {settings.PROBE_RESULT_MAX_BATCH} results; got {len(items)}.",
            field="results",
        )
    probes = _known_probes(items, customer_id)
    valid, errors = validate_batch(
        items,
        probes,
        now=now,
        max_skew=timedelta(seconds=settings.PROBE_RESULT_MAX_SKEW_SECONDS),
    )
    if errors:
        raise BatchRejected(
            f"{len(errors)} of {len(items)} results are invalid; nothing was stored.", errors
        )
    with transaction.atomic():
        inserted = store_results(valid)
        workflow_ids = _mark_probes_pending(inserted)
        transaction.on_commit(lambda: queue_derivations(workflow_ids))
    return IngestSummary(
        accepted=len(inserted), duplicates=len(valid) - len(inserted), workflow_ids=workflow_ids
    )


def _mark_probes_pending(inserted: list[tuple[int, datetime]]) -> frozenset[int]:
    """Flag the touched probes for derivation and return the workflows to queue.

    One row lock and UPDATE per probe, in id order, so concurrent batches never deadlock
    (`FOR NO KEY UPDATE`, the UPDATE's own lock, which does not block foreign-key checks).
    A workflow whose probe was already flagged has a derivation queued that has not claimed
    the flags yet: it will derive these results too, so it is not queued again.
    """
    span: dict[int, tuple[datetime, datetime]] = {}
    for probe_id, observed_at in inserted:
        first, last = span.get(probe_id, (observed_at, observed_at))
        span[probe_id] = (min(first, observed_at), max(last, observed_at))
    to_queue = set()
    for probe_id, (earliest, newest) in sorted(span.items()):
        workflow_id, was_pending = (
            Probe.objects.select_for_update(no_key=True)
            .filter(pk=probe_id)
            .values_list("workflow_id", "derivation_pending")
            .get()
        )
        Probe.objects.filter(pk=probe_id).update(
            derivation_pending=True,
            derivation_pending_since=Least(
                Coalesce("derivation_pending_since", Value(earliest)), Value(earliest)
            ),
            first_observed_at=Least(
                Coalesce("first_observed_at", Value(earliest)), Value(earliest)
            ),
            last_observed_at=Greatest(Coalesce("last_observed_at", Value(newest)), Value(newest)),
        )
        if not was_pending:
            to_queue.add(workflow_id)
    return frozenset(to_queue)


def queue_derivations(workflow_ids) -> None:
    """Queue one derivation per workflow; a broker outage is left to the sweep."""
    from incidents.tasks import derive_workflow_outages

    for workflow_id in sorted(workflow_ids):
        try:
            derive_workflow_outages.delay(workflow_id)
        except Exception:  # the broker is down: the pending flags make the sweep do it all
            logger.warning("could not queue derivations %s; the sweep will", sorted(workflow_ids))
            break
