"""Provider incidents: one upstream dependency's overlapping outages across customers.

Pure: outages that overlap (or touch) chain into one incident, the way a global AI
provider outage shows up as many customers' outages starting minutes apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.impact import OutageImpact


@dataclass(frozen=True)
class DependentOutage:
    outage_id: int
    customer_id: int
    workflow_id: int
    started_at: datetime
    ended_at: datetime | None
    first_activation_at: datetime | None
    automatic_activation: bool
    fallback_active_now: bool
    impact: OutageImpact


@dataclass(frozen=True)
class ProviderIncident:
    upstream_dependency: str
    started_at: datetime
    ended_at: datetime | None
    outages: tuple[DependentOutage, ...]

    @property
    def customer_ids(self) -> list[int]:
        return sorted({o.customer_id for o in self.outages})

    @property
    def downtime_seconds(self) -> int:
        return sum(o.impact.counted_seconds for o in self.outages)

    @property
    def mitigated_seconds(self) -> int:
        return sum(o.impact.mitigated_seconds for o in self.outages)


def group_incidents(
    label: str, outages: Sequence[DependentOutage], *, now: datetime
) -> list[ProviderIncident]:
    """Chain outages of one dependency whose spans overlap into incidents, in time order."""
    incidents: list[ProviderIncident] = []
    current: list[DependentOutage] = []
    current_end: datetime | None = None
    for outage in sorted(outages, key=lambda o: (o.started_at, o.outage_id)):
        end = outage.ended_at or now
        if current and outage.started_at <= current_end:
            current.append(outage)
            current_end = max(current_end, end)
            continue
        if current:
            incidents.append(_incident(label, current))
        current, current_end = [outage], end
    if current:
        incidents.append(_incident(label, current))
    return incidents


def _incident(label: str, outages: list[DependentOutage]) -> ProviderIncident:
    still_open = any(o.ended_at is None for o in outages)
    return ProviderIncident(
        upstream_dependency=label,
        started_at=min(o.started_at for o in outages),
        ended_at=None if still_open else max(o.ended_at for o in outages),
        outages=tuple(outages),
    )
