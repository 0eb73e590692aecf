"""Storing probe-result batches and queueing their derivation: the one write path of results."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from continuity.exceptions import DomainError
from incidents.ingest import alertmanager
from incidents.ingest.store import store_results
from incidents.ingest.validate import ProbeInfo, validate_batch
from incidents.models import Probe

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


def _probe_locations(probe_ids: set[int], customer_id: int | None) -> dict[int, tuple[str, ...]]:
    """The locations of each of ``probe_ids`` the customer (None: staff, any) may write to."""
    probes = Probe.objects.filter(pk__in=probe_ids)
    if customer_id is not None:
        probes = probes.filter(workflow__customer_id=customer_id)
    return {
        pk: tuple(locations) for pk, locations in probes.order_by().values_list("pk", "locations")
    }


def _known_probes(items: list, customer_id: int | None) -> dict[int, ProbeInfo]:
    probe_ids = {
        item.get("probe")
        for item in items
        if isinstance(item, dict) and isinstance(item.get("probe"), int)
    }
    return {
        pk: ProbeInfo(probe_id=pk, locations=frozenset(locations))
        for pk, locations in _probe_locations(probe_ids, customer_id).items()
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
    stored = store_results(valid)
    # After the commit: at once, or when the caller's own transaction commits.
    transaction.on_commit(lambda: queue_derivations(stored.workflows_to_queue))
    return IngestSummary(
        accepted=stored.inserted,
        duplicates=len(valid) - stored.inserted,
        workflow_ids=stored.workflows_to_queue,
    )


def ingest_valid_items(
    *, items: list[dict], customer_id: int | None
) -> tuple[IngestSummary, list[dict]]:
    """Ingest ``items``; invalid ones (a probe deleted meanwhile…) are set aside, not fatal."""
    empty = IngestSummary(accepted=0, duplicates=0, workflow_ids=frozenset())
    if not items:
        return empty, []
    try:
        return probe_results_ingest(items=items, customer_id=customer_id), []
    except BatchRejected as rejected:
        bad = {entry["index"] for entry in rejected.errors}
        kept = [item for index, item in enumerate(items) if index not in bad]
        if not kept:
            return empty, rejected.errors
        return probe_results_ingest(items=kept, customer_id=customer_id), rejected.errors
    except DomainError as error:
        return empty, [{"index": None, "errors": {"results": [error.message]}}]


def alertmanager_alerts_ingest(
    *, alerts: list[Mapping[str, Any]], customer_id: int | None
) -> tuple[IngestSummary, list[dict]]:
    """Alerts stored as results; every alert not stored is named in the returned skips."""
    refs = {alertmanager.probe_ref(alert["labels"]) for alert in alerts} - {None}
    locations = _probe_locations(refs, customer_id)
    mapped = [alertmanager.map_alert(i, alert, locations) for i, alert in enumerate(alerts)]
    items = [m.item for m in mapped if m.item is not None]
    indexes = [m.index for m in mapped if m.item is not None]
    skipped = [{"index": m.index, "reason": m.skipped} for m in mapped if m.item is None]
    summary, rejected = ingest_valid_items(items=items, customer_id=customer_id)
    for entry in rejected:
        index = indexes[entry["index"]] if entry["index"] is not None else None
        skipped.append({"index": index, "reason": _reasons(entry["errors"])})
    return summary, skipped


def _reasons(errors: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{field}: {message}" for field, messages in errors.items() for message in messages
    )


def queue_derivations(workflow_ids) -> None:
    """Queue one derivation per workflow; a broker outage is left to the sweep."""
    from incidents.tasks import derive_workflow_outages

    delay = settings.DERIVATION_DELAY_MS / 1000
    for workflow_id in sorted(workflow_ids):
        try:
            derive_workflow_outages.apply_async([workflow_id], countdown=delay)
        except Exception:  # the broker is down: the pending flags make the sweep do it all
            logger.warning("could not queue derivations %s; the sweep will", sorted(workflow_ids))
            break
