"""RTO compliance of one outage (SPEC §4: time to mitigate, RTO met or missed per outage).

Pure, no Django. Instants are floored to the whole second, as the SLA math does, so a time
to mitigate shown next to the SLA figures is counted in the same seconds.

The RTO is the time within which the workflow must be either covered by a fallback or
recovered: whichever happens first decides. An outage that recovers on its own within the
RTO has met it, even if a fallback was switched on later (e.g. by an automatic runbook
firing after recovery); a fallback switched on after the RTO misses it, unless the outage had
already ended within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from reports.intervals import floor_second

_SECOND = timedelta(seconds=1)


class RTOStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"


@dataclass(frozen=True)
class Mitigation:
    time_to_mitigate_seconds: int | None  # outage start -> first activation; None if never
    rto_status: RTOStatus


def mitigation(
    *,
    started_at: datetime,
    ended_at: datetime | None,
    first_activation_at: datetime | None,
    rto_minutes: int,
    now: datetime,
) -> Mitigation:
    """Time to mitigate and RTO status of one outage, as known at ``now``.

    An activation before ``started_at`` (a fallback already on when the outage was detected)
    counts as mitigated at once: time to mitigate 0.
    """
    rto = _rto_seconds(rto_minutes)
    start = floor_second(started_at, "started_at")
    ttm = None
    if first_activation_at is not None:
        ttm = max(0, _seconds(start, floor_second(first_activation_at, "first_activation_at")))
    duration = None
    if ended_at is not None:
        duration = _seconds(start, floor_second(ended_at, "ended_at"))
        if duration < 0:
            raise ValueError(f"outage ends before it starts: {started_at} > {ended_at}")
    elapsed = _seconds(start, floor_second(now, "now"))
    return Mitigation(ttm, _status(ttm, duration, elapsed, rto))


def _status(ttm: int | None, duration: int | None, elapsed: int, rto: int) -> RTOStatus:
    """Met by a fallback or a recovery within the RTO; pending while neither can be ruled out.

    A fallback activated after the outage ended cannot have mitigated it: its ttm exceeds the
    duration, so the duration test decides, as for an outage never mitigated.
    """
    if (ttm is not None and ttm <= rto) or (duration is not None and duration <= rto):
        return RTOStatus.MET
    if ttm is None and duration is None and elapsed <= rto:
        return RTOStatus.PENDING
    return RTOStatus.MISSED


def _rto_seconds(rto_minutes: int) -> int:
    if isinstance(rto_minutes, bool) or not isinstance(rto_minutes, int):
        raise TypeError(f"rto_minutes must be an int, got {type(rto_minutes).__name__}")
    if rto_minutes < 0:
        raise ValueError(f"rto_minutes must be >= 0, got {rto_minutes}")
    return rto_minutes * 60


def _seconds(start: datetime, end: datetime) -> int:
    return (end - start) // _SECOND
