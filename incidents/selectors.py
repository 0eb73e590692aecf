"""Read paths: rows turned into the plain data the derivation rules take."""

from collections.abc import Iterable
from datetime import datetime

from incidents.derivation import Observation, ProbeSpec
from incidents.models import Probe, ProbeResult


def probe_spec(probe: Probe) -> ProbeSpec:
    return ProbeSpec(
        probe_id=probe.pk,
        locations=tuple(probe.locations),
        interval_seconds=probe.interval_seconds,
        quorum=probe.effective_quorum,
        failure_threshold=probe.failure_threshold,
        recovery_threshold=probe.recovery_threshold,
        degraded_latency_ms=probe.degraded_latency_ms,
    )


def observations_by_probe(
    probe_ids: Iterable[int], *, since: datetime | None = None
) -> dict[int, list[Observation]]:
    """The results of the given probes (all, or observed from `since`) in one query."""
    grouped: dict[int, list[Observation]] = {probe_id: [] for probe_id in probe_ids}
    results = ProbeResult.objects.filter(probe_id__in=list(grouped))
    if since is not None:
        results = results.filter(observed_at__gte=since)
    rows = results.values_list("id", "probe_id", "location", "observed_at", "outcome", "latency_ms")
    if since is None:  # a whole history is streamed; a window is small enough to fetch
        rows = rows.iterator(chunk_size=5000)
    for result_id, probe_id, location, observed_at, outcome, latency_ms in rows:
        grouped[probe_id].append(
            Observation(
                result_id=result_id,
                location=location,
                observed_at=observed_at,
                outcome=outcome,
                latency_ms=latency_ms,
            )
        )
    return grouped
