"""Write paths: ingestion, outage derivation persistence, manual outages and updates."""

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from continuity.exceptions import DomainError
from continuity.models import Workflow
from incidents import derivation
from incidents.ingestion import ProbeInfo, validate_batch
from incidents.models import (
    EvidenceRole,
    NoDataSpan,
    NotificationEvent,
    Outage,
    OutageEvidence,
    OutageSource,
    OutageUpdate,
    Probe,
    ProbeResult,
)
from incidents.notifications import notification_enqueue
from incidents.result_store import store_results
from incidents.selectors import observations_by_probe, probe_spec

logger = logging.getLogger(__name__)

# Outages first derived long after they ended (backfills) do not mail "opened".
NOTIFY_RECENT = timedelta(hours=1)


class BatchRejected(DomainError):
    """A probe-result batch with invalid items; nothing of it was stored."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class IngestSummary:
    accepted: int
    duplicates: int
    workflow_ids: frozenset[int]


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


@dataclass(frozen=True)
class DeriveSummary:
    workflow_id: int
    created: int
    updated: int
    deleted: int
    state: str


def _match_outages(
    existing: list[Outage], episodes: tuple[derivation.Episode, ...]
) -> list[Outage | None]:
    """Pair each episode with the stored outage it continues, so outage ids stay stable."""
    far_future = datetime.max.replace(tzinfo=UTC)
    unmatched = list(existing)
    pairs: list[Outage | None] = []
    for episode in episodes:
        episode_end = episode.ended_at or far_future
        found = next(
            (
                outage
                for outage in unmatched
                if outage.started_at == episode.started_at
                or (
                    outage.started_at < episode_end
                    and (outage.ended_at or far_future) > episode.started_at
                )
            ),
            None,
        )
        if found is not None:
            unmatched.remove(found)
        pairs.append(found)
    return pairs


def _write_evidence(outage: Outage, episode: derivation.Episode) -> None:
    wanted = {(rid, EvidenceRole.OPENING.value) for rid in episode.opening_result_ids} | {
        (rid, EvidenceRole.CLOSING.value) for rid in episode.closing_result_ids
    }
    stored = set(OutageEvidence.objects.filter(outage=outage).values_list("result_id", "role"))
    if stored == wanted:
        return
    OutageEvidence.objects.filter(outage=outage).delete()
    OutageEvidence.objects.bulk_create(
        [OutageEvidence(outage=outage, result_id=rid, role=role) for rid, role in sorted(wanted)]
    )


def _save_episode(
    outage: Outage | None, workflow: Workflow, episode, now: datetime
) -> tuple[Outage, bool]:
    fields = {
        "started_at": episode.started_at,
        "ended_at": episode.ended_at,
        "severity": str(episode.severity),
    }
    if outage is None:
        outage = Outage.objects.create(workflow=workflow, source=OutageSource.PROBE, **fields)
        if outage.ended_at is None or outage.ended_at > now - NOTIFY_RECENT:
            notification_enqueue(outage=outage, event=NotificationEvent.OPENED)
            if outage.ended_at is not None:
                notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
        changed = True
    else:
        was_open = outage.ended_at is None
        changed = any(getattr(outage, name) != value for name, value in fields.items())
        if changed:
            for name, value in fields.items():
                setattr(outage, name, value)
            outage.save(update_fields=[*fields, "updated_at"])
        if was_open and outage.ended_at is not None:
            notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
    if set(outage.probes.values_list("pk", flat=True)) != set(episode.probe_ids):
        outage.probes.set(episode.probe_ids)
    _write_evidence(outage, episode)
    return outage, changed


def _replace_no_data_spans(
    workflow: Workflow, spans: tuple[derivation.Span, ...], *, since: datetime | None
) -> None:
    """Store the derived no-data spans; with `since`, only those from it on are replaced."""
    replaced = workflow.no_data_spans.all()
    if since is not None:
        replaced = replaced.filter(started_at__gte=since)
    stored = list(replaced.order_by("started_at").values_list("started_at", "ended_at"))
    wanted = [(span.start, span.end) for span in spans]
    if stored == wanted:
        return
    replaced.delete()
    NoDataSpan.objects.bulk_create(
        [NoDataSpan(workflow=workflow, started_at=start, ended_at=end) for start, end in wanted]
    )


def _claim_pending(workflow_id: int) -> dict[int, datetime | None]:
    """Clear the workflow's pending flags (in id order) and return what they said.

    Cleared before the results are read, so a result committed during the derivation
    flags its probe again and is derived by the next run.
    """
    claimed = {}
    with transaction.atomic():
        pending = Probe.objects.filter(workflow_id=workflow_id, derivation_pending=True)
        for probe_id, since in pending.order_by("pk").values_list("pk", "derivation_pending_since"):
            Probe.objects.filter(pk=probe_id).update(
                derivation_pending=False, derivation_pending_since=None
            )
            claimed[probe_id] = since
    return claimed


def _restore_pending(claimed: dict[int, datetime | None]) -> None:
    for probe_id, since in sorted(claimed.items()):
        Probe.objects.filter(pk=probe_id).update(
            derivation_pending=True,
            derivation_pending_since=Least(
                Coalesce("derivation_pending_since", Value(since)), Value(since)
            )
            if since
            else None,
        )


def _covering_start(workflow: Workflow, instant: datetime) -> datetime | None:
    """The start of a stored outage or no-data span running across `instant`, if any."""
    across = Q(started_at__lt=instant) & (Q(ended_at__gt=instant) | Q(ended_at=None))
    starts = [
        *Outage.objects.filter(across, workflow=workflow, source=OutageSource.PROBE).values_list(
            "started_at", flat=True
        ),
        *workflow.no_data_spans.filter(across).values_list("started_at", flat=True),
    ]
    return min(starts, default=None)


def derivation_window_start(
    workflow: Workflow, probes: list[Probe], claimed: dict[int, datetime | None], now: datetime
) -> datetime | None:
    """Where re-derivation starts, or None for the workflow's whole history.

    SPEC §3 re-derives "the affected span": from a lookback before the earliest new result,
    moved back to the start of any stored outage or no-data span it would cut through, so
    every episode is derived whole. Results before the window only feed the per-location
    state machines (see `context`), and stored spans before it are left as they are.
    """
    if workflow.derived_at is None or (claimed and None in claimed.values()):
        return None
    anchor = min((since for since in claimed.values() if since), default=now)
    start = min(anchor, now) - max(settings.DERIVATION_LOOKBACK, _context(probes))
    while (earlier := _covering_start(workflow, start)) is not None and earlier < start:
        start = earlier
    return start if start > monitoring_start(probes) else None


def monitoring_start(probes: list[Probe]) -> datetime | None:
    """When the workflow's monitoring began: its first probe or first result."""
    firsts = [
        probe.first_observed_at
        or ProbeResult.objects.filter(probe=probe)
        .order_by("observed_at")
        .values_list("observed_at", flat=True)
        .first()
        for probe in probes
    ]
    return min([*(f for f in firsts if f), *(p.created_at for p in probes)], default=None)


def _context(probes: list[Probe]) -> timedelta:
    """How far before the window results are read: enough for any run to reach its
    threshold and for staleness (3 intervals) to be judged."""
    return max(
        (
            timedelta(
                seconds=p.interval_seconds * (max(p.failure_threshold, p.recovery_threshold) + 4)
            )
            for p in probes
        ),
        default=timedelta(0),
    )


def workflow_derive_outages(
    *, workflow_id: int, now: datetime | None = None, only_pending: bool = False
) -> DeriveSummary | None:
    """Re-derive a workflow's probe outages from its results (SPEC §3), idempotently.

    With `only_pending`, a workflow whose results an earlier run already derived is left
    alone (returns None): many batches queue many tasks, and the first one derives them all.
    """
    now = now or timezone.now()
    claimed = _claim_pending(workflow_id)
    if only_pending and not claimed:
        return None
    try:
        return _derive(workflow_id, claimed, now)
    except Exception:
        _restore_pending(claimed)  # the sweep tries again
        raise


def _derive(workflow_id: int, claimed: dict[int, datetime | None], now: datetime) -> DeriveSummary:
    with transaction.atomic():
        workflow = Workflow.objects.select_for_update().get(pk=workflow_id)
        probes = list(workflow.probes.filter(enabled=True))
        window = derivation_window_start(workflow, probes, claimed, now)
        read_from = window - _context(probes) if window else None
        observations = observations_by_probe((probe.pk for probe in probes), since=read_from)
        inputs = [(probe_spec(probe), observations[probe.pk]) for probe in probes]
        if window is None:
            earliest = [min(o.observed_at for o in obs) for obs in observations.values() if obs]
            since = min([*earliest, *(probe.created_at for probe in probes)], default=now)
        else:
            since = window
        result = derivation.derive_workflow(inputs, since=since, until=now)
        existing = list(
            Outage.objects.filter(workflow=workflow, source=OutageSource.PROBE)
            .filter(Q(ended_at__gt=since) | Q(ended_at=None))
            .order_by("started_at", "pk")
        )
        pairs = _match_outages(existing, result.episodes)
        created = sum(1 for outage in pairs if outage is None)
        updated = 0
        for outage, episode in zip(pairs, result.episodes, strict=True):
            if outage is not None and episode.started_at == since and outage.started_at < since:
                episode = replace(episode, started_at=outage.started_at)
            _, changed = _save_episode(outage, workflow, episode, now)
            updated += int(changed and outage is not None)
        kept = {outage.pk for outage in pairs if outage is not None}
        stale = [outage.pk for outage in existing if outage.pk not in kept]
        Outage.objects.filter(pk__in=stale).delete()
        _replace_no_data_spans(workflow, result.no_data, since=since if window else None)
        workflow.current_state = str(result.state)
        workflow.derived_at = now
        workflow.save(update_fields=["current_state", "derived_at"])
    return DeriveSummary(
        workflow_id=workflow_id,
        created=created,
        updated=updated,
        deleted=len(stale),
        state=workflow.current_state,
    )


def workflows_needing_derivation(*, now: datetime | None = None) -> list[int]:
    """Workflows with underived results, an open outage or no-data span, or gone stale since."""
    now = now or timezone.now()
    pending = Probe.objects.filter(derivation_pending=True).values_list("workflow_id", flat=True)
    open_outages = Outage.objects.filter(ended_at=None, source=OutageSource.PROBE).values_list(
        "workflow_id", flat=True
    )
    open_gaps = NoDataSpan.objects.filter(ended_at=None).values_list("workflow_id", flat=True)
    ids = set(pending) | set(open_outages) | set(open_gaps)
    for workflow_id, derived_at, last_observed_at, interval in (
        Probe.objects.filter(enabled=True, last_observed_at__isnull=False)
        .exclude(workflow_id__in=ids)
        .values_list("workflow_id", "workflow__derived_at", "last_observed_at", "interval_seconds")
    ):
        stale_at = last_observed_at + timedelta(seconds=3 * interval)
        if stale_at <= now and (derived_at is None or derived_at < stale_at):
            ids.add(workflow_id)
    return sorted(ids)


def outage_create_manual(
    *,
    workflow: Workflow,
    started_at: datetime,
    ended_at: datetime | None,
    severity: str,
    root_cause: str = "",
    summary: str = "",
) -> Outage:
    if ended_at is not None and ended_at < started_at:
        raise DomainError("ended_at must not be before started_at.", field="ended_at")
    with transaction.atomic():
        outage = Outage.objects.create(
            workflow=workflow,
            source=OutageSource.MANUAL,
            started_at=started_at,
            ended_at=ended_at,
            severity=severity,
            root_cause=root_cause,
            summary=summary,
        )
        notification_enqueue(outage=outage, event=NotificationEvent.OPENED)
        if ended_at is not None:
            notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
    return outage


def outage_update(*, outage: Outage, **changes) -> Outage:
    """Change the human fields of an outage; times only for manual ones."""
    if outage.source == OutageSource.PROBE and ({"started_at", "ended_at"} & set(changes)):
        raise DomainError(
            "A probe-derived outage's times come from its results; exclude it instead.",
            field="started_at" if "started_at" in changes else "ended_at",
        )
    excluded = changes.get("excluded_from_sla", outage.excluded_from_sla)
    reason = changes.get("exclusion_reason", outage.exclusion_reason)
    if excluded and not (reason or "").strip():
        raise DomainError(
            "Excluding an outage from the SLA needs an exclusion_reason.",
            field="exclusion_reason",
        )
    started = changes.get("started_at", outage.started_at)
    ended = changes.get("ended_at", outage.ended_at)
    if ended is not None and ended < started:
        raise DomainError("ended_at must not be before started_at.", field="ended_at")
    was_open = outage.ended_at is None
    with transaction.atomic():
        for name, value in changes.items():
            setattr(outage, name, value)
        outage.save()
        if was_open and outage.ended_at is not None:
            notification_enqueue(outage=outage, event=NotificationEvent.RESOLVED)
    return outage


def outage_post_update(
    *, outage: Outage, status: str, message: str, posted_at: datetime | None = None, author=None
) -> OutageUpdate:
    if not message.strip():
        raise DomainError("An update needs a message.", field="message")
    with transaction.atomic():
        update = OutageUpdate.objects.create(
            outage=outage,
            status=status,
            message=message,
            posted_at=posted_at or timezone.now(),
            author=author if getattr(author, "pk", None) else None,
        )
        notification_enqueue(outage=outage, event=NotificationEvent.UPDATE, update=update)
    return update
