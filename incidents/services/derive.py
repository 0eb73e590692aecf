"""Turning derived episodes into Outage and NoDataSpan rows, over the affected span."""

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from continuity.models import Workflow
from continuity.services import figures_touch
from incidents import derivation
from incidents.models import (
    EvidenceRole,
    NoDataSpan,
    NotificationEvent,
    Outage,
    OutageEvidence,
    OutageSource,
    Probe,
    ProbeResult,
)
from incidents.selectors import observations_by_probe, probe_spec
from incidents.services.notifications import notification_enqueue
from incidents.services.partitions import retention_horizon
from incidents.services.sweeps import sweep_record

logger = logging.getLogger(__name__)

# Outages first derived long after they ended (backfills) do not mail "opened".
NOTIFY_RECENT = timedelta(hours=1)
EARLIEST = datetime.min.replace(tzinfo=UTC)
DERIVATION_SWEEP = "derivation"


@dataclass(frozen=True)
class DeriveSummary:
    workflow_id: int
    created: int
    updated: int
    deleted: int
    state: str


@dataclass(frozen=True)
class SweepSummary:
    swept: int
    failed_workflow_ids: tuple[int, ...]

    @property
    def failures(self) -> int:
        return len(self.failed_workflow_ids)


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


def _write_evidence(outage: Outage, episode: derivation.Episode, *, created: bool) -> None:
    wanted = {(rid, EvidenceRole.OPENING.value) for rid in episode.opening_result_ids} | {
        (rid, EvidenceRole.CLOSING.value) for rid in episode.closing_result_ids
    }
    stored = set() if created else {(e.result_id, e.role) for e in outage.evidence_links.all()}
    if stored == wanted:
        return
    OutageEvidence.objects.filter(outage=outage).delete()
    shown = {
        row["id"]: row
        for row in ProbeResult.objects.filter(pk__in={rid for rid, _ in wanted}).values(
            "id", *OutageEvidence.COPIED
        )
    }
    OutageEvidence.objects.bulk_create(
        [
            OutageEvidence(
                outage=outage,
                result_id=rid,
                role=role,
                **{name: shown[rid][name] for name in OutageEvidence.COPIED},
            )
            for rid, role in sorted(wanted)
        ]
    )


def _save_episode(
    outage: Outage | None, workflow: Workflow, episode, now: datetime
) -> tuple[Outage, bool]:
    fields = {
        "started_at": episode.started_at,
        "ended_at": episode.ended_at,
        "severity": str(episode.severity),
    }
    created = outage is None
    if created:
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
    stored_probes = set() if created else {probe.pk for probe in outage.probes.all()}
    if stored_probes != set(episode.probe_ids):
        outage.probes.set(episode.probe_ids)
    _write_evidence(outage, episode, created=created)
    return outage, changed


def _replace_no_data_spans(
    workflow: Workflow, spans: tuple[derivation.Span, ...], *, since: datetime | None
) -> bool:
    """Store the derived no-data spans; with `since`, only those from it on are replaced.
    Returns whether they changed."""
    replaced = workflow.no_data_spans.all()
    if since is not None:
        replaced = replaced.filter(started_at__gte=since)
    stored = list(replaced.order_by("started_at").values_list("started_at", "ended_at"))
    wanted = [(span.start, span.end) for span in spans]
    if stored == wanted:
        return False
    replaced.delete()
    NoDataSpan.objects.bulk_create(
        [NoDataSpan(workflow=workflow, started_at=start, ended_at=end) for start, end in wanted]
    )
    return True


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
    outages = Outage.objects.filter(across, workflow=workflow, source=OutageSource.PROBE)
    gaps = workflow.no_data_spans.filter(across)
    starts = (
        outages.order_by()
        .values_list("started_at", flat=True)
        .union(gaps.order_by().values_list("started_at", flat=True), all=True)
    )
    return min(starts, default=None)


def derivation_window_start(
    workflow: Workflow, probes: list[Probe], claimed: dict[int, datetime | None], now: datetime
) -> datetime | None:
    """Where re-derivation starts, or None for the workflow's whole history.

    SPEC §3 re-derives "the affected span": from a lookback before the earliest new result,
    moved back to the last result before it (after a silence nobody derived, the no-data
    span starts 3 intervals after that result, not where the window happens to open) and to
    the start of any stored outage or no-data span it would cut through, so every episode
    is derived whole. Results before the window only feed the per-location state machines
    (see `context`), and stored spans before it are left as they are. With
    RESULT_RETENTION_DAYS the window never opens before the retention horizon (plus the
    context read before it): outages older than the kept results are never re-derived.
    """
    start = _affected_start(workflow, probes, claimed, now)
    horizon = retention_horizon(now)
    if probes and horizon is not None:
        # Results before the horizon may be dropped: what was derived from them stays as it is.
        floor = horizon + _context(probes)
        start = floor if start is None or start < floor else start
    return start if start is not None and start > monitoring_start(probes) else None


def _affected_start(
    workflow: Workflow, probes: list[Probe], claimed: dict[int, datetime | None], now: datetime
) -> datetime | None:
    if not probes or workflow.derived_at is None or (claimed and None in claimed.values()):
        return None
    anchor = min((since for since in claimed.values() if since), default=now)
    start = _before(min(anchor, now), max(settings.DERIVATION_LOOKBACK, _context(probes)))
    start = min(start, _last_result_before(probes, start) or start)
    while (earlier := _covering_start(workflow, start)) is not None and earlier < start:
        start = earlier
    return start


def _before(instant: datetime, span: timedelta) -> datetime:
    """`instant - span`, or the earliest time there is (a result stored before times were
    range-checked may sit at year 1)."""
    try:
        return instant - span
    except OverflowError:
        return EARLIEST


def _last_result_before(probes: list[Probe], instant: datetime) -> datetime | None:
    """The newest result of any of the probes observed before `instant`.

    The workflow is "no data" only once every probe is, 3 intervals after the last result
    of all: a probe silent for months does not pull the window back to its own last result.
    """
    newest = (
        ProbeResult.objects.filter(probe=OuterRef("pk"), observed_at__lt=instant)
        .order_by("-observed_at")
        .values("observed_at")[:1]
    )
    lasts = (
        Probe.objects.filter(pk__in=[probe.pk for probe in probes])
        .annotate(last_before=Subquery(newest))
        .values_list("last_before", flat=True)
    )
    return max((last for last in lasts if last is not None), default=None)


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
    threshold and for staleness to be judged."""
    return max(
        (
            derivation.stale_after(p.interval_seconds)
            + timedelta(
                seconds=p.interval_seconds * (max(p.failure_threshold, p.recovery_threshold) + 1)
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
        read_from = _before(window, _context(probes)) if window else None
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
            .prefetch_related("probes", "evidence_links")
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
        replaced_from = since if window else None
        gaps_changed = _replace_no_data_spans(workflow, result.no_data, since=replaced_from)
        if created or updated or stale or gaps_changed:
            figures_touch(customer_ids=[workflow.customer_id], since=replaced_from, until=None)
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


def workflows_derive_pending(*, now: datetime | None = None) -> SweepSummary:
    """The sweep: derive every workflow that needs it, each in its own savepoint.

    A workflow whose derivation fails (a stored row it cannot read, a bug) is logged with
    its id and counted, keeps its pending flags for the next sweep, and does not stop the
    workflows after it.
    """
    workflow_ids = workflows_needing_derivation(now=now)
    failed = []
    for workflow_id in workflow_ids:
        try:
            with transaction.atomic():
                workflow_derive_outages(workflow_id=workflow_id, now=now)
        except Exception:
            logger.exception("derivation sweep: workflow %s failed; sweeping on", workflow_id)
            failed.append(workflow_id)
    sweep_record(name=DERIVATION_SWEEP, swept=len(workflow_ids), failed_ids=failed, now=now)
    return SweepSummary(swept=len(workflow_ids), failed_workflow_ids=tuple(failed))


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
        stale_at = last_observed_at + derivation.stale_after(interval)
        if stale_at <= now and (derived_at is None or derived_at < stale_at):
            ids.add(workflow_id)
    return sorted(ids)
