"""A location whose worker is absent (or busy) gets one waiting batch, never a pile."""

import pytest
import redis
from django.utils import timezone

from incidents.models import Probe
from incidents.prober.tasks import dispatch_due_probes
from tests.factories import ProbeFactory

pytestmark = pytest.mark.integration


def test_batches_do_not_pile_up_for_a_location_nobody_consumes(live_env, broker_url):
    probe = ProbeFactory(
        kind="http", target="http://127.0.0.1:1/", locations=["nowhere"], interval_seconds=5
    )
    client = redis.Redis.from_url(broker_url)
    try:
        for _ in range(4):
            Probe.objects.filter(pk=probe.pk).update(next_run_at=timezone.now())
            dispatch_due_probes()
        assert client.llen("probes.nowhere") == 1
    finally:
        client.close()
