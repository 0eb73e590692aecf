"""Time to mitigate and RTO status of one outage: worked examples, then properties."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.rto import Mitigation, RTOStatus, mitigation

START = datetime(2026, 9, 3, 10, tzinfo=UTC)
RTO = 15  # minutes


def at(minutes: float | None) -> datetime | None:
    return None if minutes is None else START + timedelta(minutes=minutes)


def status(ended: float | None, activated: float | None, now: float, rto: int = RTO):
    return mitigation(
        started_at=START,
        ended_at=at(ended),
        first_activation_at=at(activated),
        rto_minutes=rto,
        now=at(now),
    )


@pytest.mark.parametrize(
    ("ended", "activated", "now", "expected"),
    [
        # met by a fallback within the RTO, closed or still open
        (60, 10, 90, Mitigation(600, RTOStatus.MET)),
        (None, 10, 90, Mitigation(600, RTOStatus.MET)),
        (60, 15, 90, Mitigation(900, RTOStatus.MET)),  # exactly at the RTO still meets it
        # missed by a late fallback
        (60, 20, 90, Mitigation(1200, RTOStatus.MISSED)),
        (None, 20, 30, Mitigation(1200, RTOStatus.MISSED)),
        # no fallback: the outage's own duration decides
        (10, None, 90, Mitigation(None, RTOStatus.MET)),
        (15, None, 90, Mitigation(None, RTOStatus.MET)),
        (40, None, 90, Mitigation(None, RTOStatus.MISSED)),
        # a fallback switched on after recovery did not mitigate: the duration decides
        (10, 30, 90, Mitigation(1800, RTOStatus.MET)),
        (20, 30, 90, Mitigation(1800, RTOStatus.MISSED)),
        # open, not activated: pending up to the RTO, missed after
        (None, None, 5, Mitigation(None, RTOStatus.PENDING)),
        (None, None, 15, Mitigation(None, RTOStatus.PENDING)),
        (None, None, 16, Mitigation(None, RTOStatus.MISSED)),
        # a fallback already on when the outage started mitigates at once
        (60, -5, 90, Mitigation(0, RTOStatus.MET)),
        (None, -5, 1, Mitigation(0, RTOStatus.MET)),
    ],
)
def test_rto_status(ended, activated, now, expected):
    assert status(ended, activated, now) == expected


def test_zero_rto_is_met_only_by_a_fallback_already_on():
    assert status(60, 0, 90, rto=0).rto_status is RTOStatus.MET
    assert status(60, 1, 90, rto=0).rto_status is RTOStatus.MISSED
    assert status(None, None, 0, rto=0).rto_status is RTOStatus.PENDING


def test_seconds_are_floored_as_in_the_sla_math():
    result = mitigation(
        started_at=START.replace(microsecond=900_000),
        ended_at=None,
        first_activation_at=START + timedelta(seconds=61, microseconds=100_000),
        rto_minutes=RTO,
        now=START + timedelta(minutes=5),
    )
    assert result.time_to_mitigate_seconds == 61


def test_status_is_a_string_enum_for_serializers():
    assert status(60, 10, 90).rto_status == "met"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"rto_minutes": -1}, ValueError),
        ({"rto_minutes": 1.5}, TypeError),
        ({"rto_minutes": True}, TypeError),
        ({"ended_at": START - timedelta(minutes=1)}, ValueError),
        ({"started_at": datetime(2026, 9, 3, 10)}, ValueError),
        ({"now": datetime(2026, 9, 3, 11)}, ValueError),
    ],
)
def test_rejects_bad_input(kwargs, error):
    args = {
        "started_at": START,
        "ended_at": None,
        "first_activation_at": None,
        "rto_minutes": RTO,
        "now": START,
    }
    with pytest.raises(error):
        mitigation(**{**args, **kwargs})


# --- properties

minutes = st.integers(-120, 24 * 60)
maybe_minutes = st.none() | minutes


@settings(max_examples=300, deadline=None)
@given(
    duration=st.none() | st.integers(0, 24 * 60),
    activated=maybe_minutes,
    elapsed=st.integers(0, 48 * 60),
    rto=st.integers(0, 240),
)
def test_status_follows_the_definition(duration, activated, elapsed, rto):
    now = max(elapsed, duration or 0, activated or 0)
    result = status(duration, activated, now, rto)
    ttm = None if activated is None else max(0, activated) * 60
    assert result.time_to_mitigate_seconds == ttm
    mitigated_in_time = activated is not None and max(0, activated) <= rto
    recovered_in_time = duration is not None and duration <= rto
    if mitigated_in_time or recovered_in_time:
        assert result.rto_status is RTOStatus.MET
    elif duration is None and activated is None and now <= rto:
        assert result.rto_status is RTOStatus.PENDING
    else:
        assert result.rto_status is RTOStatus.MISSED


@settings(max_examples=200, deadline=None)
@given(duration=st.integers(0, 600), activated=maybe_minutes, rto=st.integers(0, 240))
def test_a_closed_outage_is_never_pending(duration, activated, rto):
    assert status(duration, activated, 10_000, rto).rto_status is not RTOStatus.PENDING
