"""The outage page's chronology: every event of an outage as one list, in time order."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from continuity import formatting
from continuity.models import FallbackActivation
from incidents.models import Outage, OutageUpdate


@dataclass(frozen=True)
class LogEntry:
    """One line of the chronological list under the timeline strip."""

    at: datetime
    kind: str
    text: str
    tz: str

    @property
    def when(self) -> str:
        return formatting.local_time(self.at, self.tz, seconds=True)


# At the same instant: the outage, its evidence, then what people did about it.
_LOG_ORDER = {"outage": 0, "evidence": 1, "rto": 2, "fallback": 3, "step": 4, "update": 5}


def outage_chronology(
    *,
    outage: Outage,
    updates: list[OutageUpdate],
    activations: list[FallbackActivation],
    evidence: list,
    tz: str,
) -> list[LogEntry]:
    workflow = outage.workflow
    log = [
        LogEntry(outage.started_at, "outage", f"{outage.severity.capitalize()} outage began", tz)
    ]
    log += [
        LogEntry(
            row.evidence.observed_at,
            "evidence",
            f"{row.role.capitalize()} evidence: {row.probe_name} · {row.evidence.location} "
            f"{row.evidence.outcome}" + (f" ({row.detail})" if row.detail else ""),
            tz,
        )
        for row in evidence
    ]
    log.append(
        LogEntry(
            outage.started_at + timedelta(minutes=workflow.rto_minutes),
            "rto",
            f"RTO deadline ({workflow.rto_minutes} min)",
            tz,
        )
    )
    log += [LogEntry(u.posted_at, "update", f"{u.status}: {u.message}", tz) for u in updates]
    for a in activations:
        how = "automatically" if a.automatic else f"by {a.activated_by or 'unknown'}"
        log.append(
            LogEntry(
                a.activated_at,
                "fallback",
                f"Fallback '{a.runbook.title}' activated {how} "
                f"({formatting.percent(a.effectiveness_pct, trim=True)}% effective)",
                tz,
            )
        )
        log += [
            LogEntry(c.completed_at, "step", f"Step {c.step_order} done: {c.title}", tz)
            for c in a.step_completions.all()
        ]
        if a.deactivated_at:
            log.append(
                LogEntry(
                    a.deactivated_at,
                    "fallback",
                    f"Fallback '{a.runbook.title}' deactivated"
                    + (f" by {a.deactivated_by}" if a.deactivated_by else ""),
                    tz,
                )
            )
    if outage.ended_at:
        log.append(LogEntry(outage.ended_at, "outage", "Outage ended", tz))
    return sorted(log, key=lambda e: (e.at, _LOG_ORDER.get(e.kind, 9)))
