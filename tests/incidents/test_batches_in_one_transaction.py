"""Two batches stored in one transaction each store exactly their own results."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from incidents.ingest.services import probe_results_ingest
from incidents.models import Probe, ProbeResult
from tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, tzinfo=UTC)


def batch(probe, minutes):
    return [
        {
            "probe": probe.pk,
            "location": "eu-west",
            "observed_at": (START + timedelta(minutes=m)).isoformat(),
            "outcome": "up",
        }
        for m in minutes
    ]


def test_a_second_batch_in_the_same_transaction_stores_only_its_own_results():
    probe = ProbeFactory(locations=["eu-west"])
    with transaction.atomic():
        first = probe_results_ingest(items=batch(probe, range(0, 10)), customer_id=None)
        Probe.objects.filter(pk=probe.pk).update(
            derivation_pending=False, derivation_pending_since=None
        )
        second = probe_results_ingest(items=batch(probe, range(20, 25)), customer_id=None)

    assert (first.accepted, second.accepted) == (10, 5)
    assert ProbeResult.objects.count() == 15
    probe.refresh_from_db()
    assert probe.derivation_pending_since == START + timedelta(minutes=20)
