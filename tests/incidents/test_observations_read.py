"""Results read for derivation: the same observations whole or windowed, in or out of a
transaction (a whole history is streamed through a server-side cursor on PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from incidents.derivation import Observation, Outcome
from incidents.ingest.services import probe_results_ingest
from incidents.selectors import observations_by_probe
from tests.factories import ProbeFactory

START = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def probes(transactional_db):
    first, second = ProbeFactory(locations=["eu-west"]), ProbeFactory(locations=["us-east"])
    items = [
        {
            "probe": probe.pk,
            "location": probe.locations[0],
            "observed_at": (START + timedelta(minutes=m)).isoformat(),
            "outcome": "down" if m % 7 == 0 else "up",
            "latency_ms": 100 + m,
        }
        for probe in (first, second)
        for m in range(120)
    ]
    probe_results_ingest(items=items, customer_id=None)
    return first, second


def test_whole_history_outside_a_transaction_matches_a_window_inside_one(probes):
    first, second = probes
    whole = observations_by_probe([first.pk, second.pk])  # autocommit: a held cursor
    with transaction.atomic():
        window = observations_by_probe([first.pk], since=START + timedelta(minutes=60))

    assert [len(whole[first.pk]), len(whole[second.pk])] == [120, 120]

    def by_time(observations):
        return sorted(observations, key=lambda o: o.observed_at)

    assert by_time(window[first.pk]) == by_time(whole[first.pk])[60:]
    sample = whole[first.pk][0]
    assert isinstance(sample, Observation) and sample.observed_at.utcoffset() == timedelta(0)
    assert {o.outcome for o in whole[second.pk]} == {Outcome.UP, Outcome.DOWN}
    assert sorted(o.latency_ms for o in whole[second.pk]) == list(range(100, 220))
