"""Probes with their latest result per location, in two queries whatever their history.

Each (probe, location) pair's newest result is found by a correlated subquery that walks
the (probe, observed_at) index backwards and stops at the first match, so the cost does
not grow with the number of stored results.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from continuity import formatting
from incidents.derivation import stale_after
from incidents.models import Probe, ProbeResult


@dataclass(frozen=True)
class LocationStatus:
    location: str
    result: ProbeResult | None
    tz: str
    stale_after: datetime

    @property
    def stale(self) -> bool:
        """No result for more than three intervals (SPEC §3): the location counts as stale."""
        return self.result is None or self.result.observed_at < self.stale_after

    @property
    def observed(self) -> str:
        return formatting.local_time(self.result.observed_at, self.tz) if self.result else "never"

    @property
    def outcome(self) -> str:
        return self.result.outcome if self.result else "no_data"


@dataclass(frozen=True)
class ProbeStatus:
    probe: Probe
    locations: list[LocationStatus]


def _first_result_at():
    return Subquery(
        ProbeResult.objects.filter(probe=OuterRef("pk"))
        .order_by("observed_at")
        .values("observed_at")[:1]
    )


def probes_with_last_results(*, workflow_id: int, tz: str, now: datetime) -> list[ProbeStatus]:
    probes = list(Probe.objects.filter(workflow_id=workflow_id).order_by("name", "pk"))
    if not probes:
        return []
    locations = sorted({loc for probe in probes for loc in probe.locations})
    keys = {loc: f"last_{i}" for i, loc in enumerate(locations)}
    annotations = {
        key: Subquery(
            ProbeResult.objects.filter(probe=OuterRef("pk"), location=loc)
            .order_by("-observed_at", "-pk")
            .values("pk")[:1]
        )
        for loc, key in keys.items()
    }
    latest = {
        row["pk"]: row
        for row in Probe.objects.filter(pk__in=[p.pk for p in probes])
        .annotate(**annotations)
        .values("pk", *keys.values())
    }
    result_ids = {
        row[key] for row in latest.values() for key in keys.values() if row[key] is not None
    }
    results = ProbeResult.objects.in_bulk(list(result_ids)) if result_ids else {}
    statuses = []
    for probe in probes:
        row = latest.get(probe.pk, {})
        statuses.append(
            ProbeStatus(
                probe=probe,
                locations=[
                    LocationStatus(
                        loc,
                        results.get(row.get(keys[loc])),
                        tz,
                        now - stale_after(probe.interval_seconds),
                    )
                    for loc in probe.locations
                ],
            )
        )
    return statuses


def monitoring_starts(*, workflow_ids: list[int]) -> dict[int, datetime]:
    """Per workflow, when monitoring began: its earliest probe creation or first result
    (as the derivation counts no data from there)."""
    starts: dict[int, datetime] = {}
    rows = (
        Probe.objects.filter(workflow_id__in=workflow_ids, enabled=True)
        .annotate(first_at=_first_result_at())
        .values_list("workflow_id", "created_at", "first_at")
    )
    for workflow_id, created_at, first_at in rows:
        begin = min(created_at, first_at) if first_at else created_at
        if workflow_id not in starts or begin < starts[workflow_id]:
            starts[workflow_id] = begin
    return starts
