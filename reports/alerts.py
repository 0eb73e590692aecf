"""Which alerts a workflow's state owes: RTO about to be missed or missed, error-budget burn.

Pure, no Django. The sweep (`reports.services.alerts`) feeds it the figures
`reports.sla_selectors.workflows_month_to_date` computes and emits what it returns.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from reports.rto import RTOStatus

# The multiwindow burn-rate alerts of Google's SRE workbook, on the windows the SLA math
# already computes: 14.4 over 1 h spends 2 % of a 30-day budget in an hour (page), 6 over
# 6 h spends 5 % in six hours, 1 over 3 days spends 10 % (ticket).
BURN_THRESHOLDS: dict[str, Decimal] = {
    "1h": Decimal("14.4"),
    "6h": Decimal("6"),
    "3d": Decimal("1"),
}


class RTOAlert(StrEnum):
    AT_RISK = "rto.at_risk"
    MISSED = "rto.missed"


@dataclass(frozen=True)
class OutageRTO:
    started_at: datetime
    ended_at: datetime | None
    excluded: bool
    status: RTOStatus  # from reports.rto.mitigation at the same `now`
    rto_minutes: int


def rto_alert(
    outage: OutageRTO, *, now: datetime, at_risk_percent: int, recent: timedelta
) -> RTOAlert | None:
    """The RTO alert an outage owes now, if any.

    At risk: still open, no fallback yet, and `at_risk_percent` of the RTO gone. Missed: the
    RTO passed without a fallback or a recovery; an outage that ended more than `recent`
    ago (a backfill) owes nothing any more. Outages excluded from the SLA owe nothing.
    """
    if outage.excluded:
        return None
    if outage.status is RTOStatus.MISSED:
        if outage.ended_at is None or outage.ended_at >= now - recent:
            return RTOAlert.MISSED
        return None
    if outage.status is RTOStatus.PENDING:
        threshold = timedelta(minutes=outage.rto_minutes) * at_risk_percent / 100
        if now - outage.started_at >= threshold:
            return RTOAlert.AT_RISK
    return None


def burning(rates: dict[str, Decimal | None] | None) -> dict[str, bool]:
    """For each alerting window, whether its burn rate is at or above its threshold."""
    rates = rates or {}
    return {
        window: rates.get(window) is not None and rates[window] >= threshold
        for window, threshold in BURN_THRESHOLDS.items()
    }
