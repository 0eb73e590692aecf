"""The prober's database side: dispatch claims, run leases, storing results.

Results are stored only through :mod:`incidents.ingest.services` — the
same validation, idempotency (client ids) and derivation queueing as the API.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidents.ingest.services import ingest_valid_items
from incidents.models import Probe
from incidents.prober import runner, schedule
from incidents.prober.runner import result_records
from incidents.prober.spec import RUNNABLE_KINDS, CheckSpec

logger = logging.getLogger(__name__)

SPEC_FIELDS = (
    "kind",
    "target",
    "interval_seconds",
    "timeout_ms",
    "method",
    "headers",
    "body",
    "expected_status",
    "body_assertion",
    "verify_tls",
    "degraded_latency_ms",
    "llm_model",
    "llm_api_key_env",
    "llm_max_tokens",
    "llm_max_ttft_ms",
    "llm_min_tokens_per_second",
    "statuspage_component",
)


def queue_for(location: str) -> str:
    """The Celery queue a location's prober worker consumes."""
    return f"probes.{location}"


def spec_from_probe(probe: Probe) -> CheckSpec:
    return CheckSpec.from_mapping(
        {"id": probe.pk, **{name: getattr(probe, name) for name in SPEC_FIELDS}}
    )


@dataclass(frozen=True)
class Dispatch:
    location: str
    probe_ids: tuple[int, ...]
    shortest_interval: int


def probes_claim_due(*, now: datetime | None = None) -> list[Dispatch]:
    """Claim every due probe for this tick and group the runs by location.

    The claim is a conditional UPDATE on ``next_run_at`` that exactly one dispatcher wins,
    so two beats (or a retried tick) never dispatch a slot twice; missed slots are skipped.
    """
    now = now or timezone.now()
    due = (
        Probe.objects.filter(enabled=True, kind__in=RUNNABLE_KINDS)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at=None))
        .order_by("pk")
        .values_list("pk", "next_run_at", "interval_seconds", "locations")
    )
    by_location: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, previous, interval, locations in due:
        following = schedule.next_slot(previous, interval, now)
        if Probe.objects.filter(pk=pk, next_run_at=previous).update(next_run_at=following) != 1:
            continue  # another dispatcher claimed this slot
        for location in locations:
            by_location[location].append((pk, interval))
    return [
        Dispatch(
            location=location,
            probe_ids=tuple(pk for pk, _ in runs),
            shortest_interval=min(interval for _, interval in runs),
        )
        for location, runs in sorted(by_location.items())
    ]


def probe_run_claim(
    *, probe_id: int, location: str, token: str, dispatched_at: datetime, now: datetime
) -> CheckSpec | None:
    """Take the (probe, location) run lease, or None when the run must not happen now.

    One short transaction per probe (one row lock at a time, so no lock-order deadlock
    with ingestion, which updates probe rows too).
    """
    with transaction.atomic():
        probe = (
            Probe.objects.select_for_update()
            .filter(pk=probe_id, enabled=True, kind__in=RUNNABLE_KINDS)
            .first()
        )
        if probe is None or location not in probe.locations:
            return None
        if schedule.dispatch_is_stale(dispatched_at, probe.interval_seconds, now):
            logger.info("probe %s at %s: stale dispatch of %s", probe_id, location, dispatched_at)
            return None
        if not schedule.lease_free(probe.run_leases.get(location), now):
            logger.info("probe %s at %s: still running, this run is skipped", probe_id, location)
            return None
        leases = {**probe.run_leases, location: schedule.new_lease(token, now, probe.timeout_ms)}
        Probe.objects.filter(pk=probe_id).update(run_leases=leases)
        return spec_from_probe(probe)


def probe_run_release(*, probe_id: int, location: str, token: str) -> None:
    with transaction.atomic():
        probe = Probe.objects.select_for_update().filter(pk=probe_id).first()
        if probe is None:
            return
        lease = probe.run_leases.get(location)
        if isinstance(lease, dict) and lease.get("token") == token:
            leases = {k: v for k, v in probe.run_leases.items() if k != location}
            Probe.objects.filter(pk=probe_id).update(run_leases=leases)


def probe_results_store(*, items: list[dict]) -> dict[str, Any]:
    """Store prober results (idempotent on their client ids, LLM token figures included)."""
    summary, rejected = ingest_valid_items(items=items, customer_id=None)
    for entry in rejected:
        logger.warning("prober result %s rejected: %s", entry["index"], entry["errors"])
    return {"accepted": summary.accepted, "duplicates": summary.duplicates, "rejected": rejected}


def probes_run(
    *,
    location: str,
    probe_ids: list[int],
    dispatched_at: datetime,
    environ: Mapping[str, str] | None = None,
    store: Callable[..., dict[str, Any]] = probe_results_store,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Run one dispatched batch in ``location``: claim, check concurrently, store, release."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    specs = []
    for probe_id in sorted(set(probe_ids)):
        spec = probe_run_claim(
            probe_id=probe_id, location=location, token=token, dispatched_at=dispatched_at, now=now
        )
        if spec is not None:
            specs.append(spec)
    try:
        results = runner.run_checks_sync(specs, environ=os.environ if environ is None else environ)
        items = result_records(results, location=location, source="prober")
        stored = store(items=items)
    finally:
        for spec in specs:
            probe_run_release(probe_id=spec.probe_id, location=location, token=token)
    outcomes: dict[str, int] = defaultdict(int)
    for result in results:
        outcomes[result.outcome] += 1
        logger.info(
            "probe %s at %s: %s %s", result.probe_id, location, result.outcome, result.error
        )
    return {
        "location": location,
        "ran": len(specs),
        "skipped": len(set(probe_ids)) - len(specs),
        "outcomes": dict(outcomes),
        **{key: stored.get(key) for key in ("accepted", "duplicates")},
    }
