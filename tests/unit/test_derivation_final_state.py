from datetime import UTC, datetime, timedelta

import pytest

from incidents.derivation import Observation, ProbeSpec, State, derive_workflow

BASE = datetime(2026, 10, 1, tzinfo=UTC)
SPEC = ProbeSpec(probe_id=1, locations=("a", "b"), interval_seconds=60, quorum=2)


def run(outcomes: list[str], until_minutes: int) -> State:
    observations = [
        Observation(
            result_id=None, location=loc, observed_at=BASE + timedelta(minutes=m), outcome=o
        )
        for m, o in enumerate(outcomes)
        for loc in SPEC.locations
    ]
    result = derive_workflow(
        [(SPEC, observations)], since=BASE, until=BASE + timedelta(minutes=until_minutes)
    )
    return result.state


@pytest.mark.parametrize(
    "outcomes, until, state",
    [
        (["up", "down", "down", "down"], 4, State.DOWN),
        (["up", "down", "down", "up"], 4, State.UP),
        (["up", "degraded", "degraded"], 3, State.DEGRADED),
        (["up", "up"], 10, State.NO_DATA),  # last result at minute 1; stale from minute 4
        ([], 5, State.NO_DATA),
    ],
)
def test_the_state_at_until_is_the_last_spans(outcomes, until, state):
    assert run(outcomes, until) is state
