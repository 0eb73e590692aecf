"""Real beat, a real default worker and real location workers probe a local server.

Turning the server off opens an outage within failure_threshold × interval (+ one
interval); turning it on closes it; with two locations and quorum 2, one failing
location opens nothing (and both failing does, as a control).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from continuity.models import Workflow
from incidents.models import Outage, ProbeResult
from tests import live
from tests.factories import ProbeFactory
from tests.live import wait_until

pytestmark = pytest.mark.integration

INTERVAL = 5
THRESHOLD = 2


def location_worker(live_env, location: str, queues: str = ""):
    """`PROBE_LOCATION=<location> celery -A continuity worker -Q <queues>`: with no queues
    named, `-Q probes.<location>`; with others, the worker adds its location's queue."""
    return live.celery_worker(
        {**live_env, "PROBE_LOCATION": location}, queues=queues or f"probes.{location}"
    )


def outcomes(probe, location: str) -> list[str]:
    return list(
        ProbeResult.objects.filter(probe=probe, location=location)
        .order_by("observed_at")
        .values_list("outcome", flat=True)
    )


def test_server_off_opens_an_outage_and_on_closes_it(live_env, main_worker, beat, target):
    probe = ProbeFactory(
        kind="http",
        target=target.url + "/health",
        locations=["eu"],
        quorum=1,
        failure_threshold=THRESHOLD,
        recovery_threshold=1,
        interval_seconds=INTERVAL,
        timeout_ms=2000,
    )
    with location_worker(live_env, "eu"):
        wait_until(lambda: outcomes(probe, "eu").count("up") >= 2, timeout=4 * INTERVAL)
        assert not Outage.objects.exists()

        off_at = timezone.now()
        target.stop()
        budget = THRESHOLD * INTERVAL + INTERVAL
        outage = wait_until(
            lambda: Outage.objects.filter(workflow=probe.workflow, ended_at=None).first(),
            timeout=budget,
            message=lambda: f"an open outage; results so far: {outcomes(probe, 'eu')}",
        )
        assert off_at <= outage.started_at <= off_at + timedelta(seconds=INTERVAL + 1.5)
        opening = outage.evidence_links.select_related("result").get(role="opening").result
        assert opening.outcome == "down"
        assert opening.error.startswith("connection refused by 127.0.0.1:")

        on_at = timezone.now()
        target.start()
        wait_until(
            lambda: Outage.objects.get(pk=outage.pk).ended_at is not None,
            timeout=2 * INTERVAL,
            message=lambda: f"the outage to close; results: {outcomes(probe, 'eu')}",
        )
        outage.refresh_from_db()
        assert on_at <= outage.ended_at <= on_at + timedelta(seconds=INTERVAL + 1.5)
        assert Workflow.objects.get(pk=probe.workflow_id).current_state == "up"

    # One run per slot: never two results of one location closer than the grid allows.
    times = list(
        ProbeResult.objects.filter(probe=probe)
        .order_by("observed_at")
        .values_list("observed_at", flat=True)
    )
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) > INTERVAL - 2, gaps


def test_quorum_two_one_failing_location_opens_no_outage(live_env, main_worker, beat, target):
    probe = ProbeFactory(
        kind="http",
        target=target.url + "/health",
        # Each worker sends its own location, so the server can fail one of them.
        headers={"X-Probe-Location": {"env": "PROBE_LOCATION"}},
        locations=["eu", "us"],
        quorum=2,
        failure_threshold=THRESHOLD,
        recovery_threshold=1,
        interval_seconds=INTERVAL,
        timeout_ms=2000,
    )
    target.fail_for = {"us"}
    # us: a worker of the default queue that PROBE_LOCATION makes a prober for "us" too.
    with location_worker(live_env, "eu"), location_worker(live_env, "us", queues="celery"):
        wait_until(
            lambda: (
                outcomes(probe, "us").count("down") >= THRESHOLD + 2
                and outcomes(probe, "eu").count("up") >= THRESHOLD + 2
            ),
            timeout=8 * INTERVAL,
            message=lambda: f"eu {outcomes(probe, 'eu')}, us {outcomes(probe, 'us')}",
        )
        latest = ProbeResult.objects.filter(probe=probe).latest("observed_at").observed_at
        wait_until(
            lambda: (
                Workflow.objects.get(pk=probe.workflow_id).derived_at
                and Workflow.objects.get(pk=probe.workflow_id).derived_at > latest
            ),
            timeout=10,
        )
        assert set(outcomes(probe, "eu")) == {"up"}
        assert set(outcomes(probe, "us")) == {"down"}
        assert not Outage.objects.filter(workflow=probe.workflow).exists()

        # Control: with both locations failing, the same setup does open one.
        target.fail_for = {"us", "eu"}
        wait_until(
            lambda: Outage.objects.filter(workflow=probe.workflow).exists(),
            timeout=THRESHOLD * INTERVAL + INTERVAL,
        )
