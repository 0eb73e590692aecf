"""reports.alerts: which RTO alert an outage owes, which burn windows fire (pure, no DB)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from reports.alerts import BURN_THRESHOLDS, OutageRTO, RTOAlert, burning, rto_alert
from reports.rto import RTOStatus

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def outage(minutes_ago: int, status: RTOStatus, *, ended_ago=None, excluded=False) -> OutageRTO:
    return OutageRTO(
        started_at=NOW - timedelta(minutes=minutes_ago),
        ended_at=None if ended_ago is None else NOW - ended_ago,
        excluded=excluded,
        status=status,
        rto_minutes=60,
    )


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (outage(47, RTOStatus.PENDING), None),
        (outage(48, RTOStatus.PENDING), RTOAlert.AT_RISK),
        (outage(48, RTOStatus.PENDING, excluded=True), None),
        (outage(30, RTOStatus.MET), None),
        (outage(61, RTOStatus.MISSED), RTOAlert.MISSED),
        (outage(120, RTOStatus.MISSED, ended_ago=HOUR), RTOAlert.MISSED),
        (outage(120, RTOStatus.MISSED, ended_ago=HOUR + timedelta(seconds=1)), None),
    ],
)
def test_rto_alert(item, expected):
    assert rto_alert(item, now=NOW, at_risk_percent=80, recent=HOUR) == expected


def test_at_risk_percent_100_waits_for_the_whole_rto():
    assert (
        rto_alert(outage(59, RTOStatus.PENDING), now=NOW, at_risk_percent=100, recent=HOUR) is None
    )
    assert rto_alert(outage(60, RTOStatus.PENDING), now=NOW, at_risk_percent=100, recent=HOUR)


def test_burning_compares_each_window_with_its_own_threshold():
    assert {"1h": Decimal("14.4"), "6h": Decimal(6), "3d": Decimal(1)} == BURN_THRESHOLDS
    rates = {"1h": Decimal("14.4"), "6h": Decimal("5.99"), "3d": None}
    assert burning(rates) == {"1h": True, "6h": False, "3d": False}
    assert burning(None) == {"1h": False, "6h": False, "3d": False}
