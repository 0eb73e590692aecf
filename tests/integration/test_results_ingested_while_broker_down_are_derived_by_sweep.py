"""With the broker down, ingestion still stores results; the sweep derives them later."""

import socket
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from incidents.models import Outage, Probe, ProbeResult
from incidents.tasks import sweep_derivations
from tests import live
from tests.integration.helpers import DEAD_BROKER_URL, client_for, post_results, result

pytestmark = pytest.mark.integration

# Queueing must fail fast: a request may not hang on a broker that is down.
MAX_POST_SECONDS = 5.0
# A broker that never answers costs a bounded number of socket timeouts at most.
MAX_POST_SECONDS_UNRESPONSIVE = 8.0


def test_results_ingested_while_broker_down_are_derived_by_sweep(
    live_env, monitored, worker, task_result
):
    customer, workflow, probe, key = monitored
    t0 = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    batch = [
        result(probe, location, t0 + timedelta(minutes=minute), "down" if 2 <= minute < 6 else "up")
        for minute in range(10)
        for location in ("eu-west", "us-east", "ap-south")
    ]

    dead_broker_env = {**live_env, "CELERY_BROKER_URL": DEAD_BROKER_URL}
    with live.serve_wsgi(dead_broker_env) as base_url, client_for(base_url, key) as client:
        started = time.monotonic()
        assert post_results(client, batch) == {"accepted": 30, "duplicates": 0}
        elapsed = time.monotonic() - started
        assert elapsed < MAX_POST_SECONDS, f"POST took {elapsed:.1f}s with the broker down"

        # Stored, flagged for the sweep, the failure logged (not raised), nothing derived.
        assert ProbeResult.objects.filter(probe=probe).count() == 30
        assert Probe.objects.get(pk=probe.pk).derivation_pending is True
        assert not Outage.objects.filter(workflow=workflow).exists()
        live.wait_until(
            lambda: f"could not queue derivations [{workflow.pk}]" in base_url.process.log(),
            timeout=5,
            message=lambda: f"the queueing failure to be logged:\n{base_url.process.log()}",
        )

    # The beat-scheduled sweep, run by the real worker on the real broker.
    assert task_result(sweep_derivations.delay(), timeout=60) == 1

    outage = Outage.objects.get(workflow=workflow)
    # All three locations down at minutes 2..5, up again at minute 6.
    expected = (t0 + timedelta(minutes=2), t0 + timedelta(minutes=6))
    assert (outage.started_at, outage.ended_at) == expected
    assert outage.severity == "down"
    assert outage.evidence_links.exists()
    assert Probe.objects.get(pk=probe.pk).derivation_pending is False

    # Nothing left for the next sweep: the workflow is up with fresh data.
    assert task_result(sweep_derivations.delay(), timeout=60) == 0


def test_ingest_does_not_hang_on_an_unresponsive_broker(live_env, monitored):
    customer, workflow, probe, key = monitored
    now = timezone.now()
    batch = [result(probe, "eu-west", now - timedelta(minutes=m), "up") for m in range(3)]
    # The kernel completes the handshake for the listen backlog; nothing ever replies.
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        port = silent.getsockname()[1]
        silent_env = {**live_env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
        with live.serve_wsgi(silent_env) as base_url, client_for(base_url, key) as client:
            client.timeout = httpx.Timeout(MAX_POST_SECONDS_UNRESPONSIVE)
            try:
                assert post_results(client, batch) == {"accepted": 3, "duplicates": 0}
            finally:
                # The results were committed before queueing was tried, hang or not.
                assert ProbeResult.objects.filter(probe=probe).count() == 3
                assert Probe.objects.get(pk=probe.pk).derivation_pending is True
