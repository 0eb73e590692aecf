"""Probe agents post at the same time: no batch may fail on a database deadlock."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import ProbeResult
from tests import live
from tests.factories import ProbeFactory
from tests.integration.helpers import client_for, result

pytestmark = pytest.mark.integration

PROBES = 10
BATCHES = 24
CLIENTS = 4


def test_concurrent_batches_over_the_same_probes_all_succeed(live_env, monitored):
    customer, workflow, first_probe, key = monitored
    probes = [first_probe, *(ProbeFactory(workflow=workflow) for _ in range(PROBES - 1))]
    start = (timezone.now() - timedelta(minutes=BATCHES + 1)).replace(microsecond=0)

    def batch(n: int) -> list[dict]:
        # Each batch covers every probe, starting at a different one, as results from
        # several agents arrive in whatever order they were collected.
        order = probes[n % PROBES :] + probes[: n % PROBES]
        at = start + timedelta(minutes=n)
        return [
            result(probe, location, at, "up")
            for probe in order
            for location in ("eu-west", "us-east", "ap-south")
        ]

    with live.serve_wsgi(live_env, workers=CLIENTS) as base_url:
        clients = [client_for(base_url, key) for _ in range(CLIENTS)]

        def post(n: int) -> tuple[int, str]:
            response = clients[n % CLIENTS].post(
                "/api/v1/probe-results/", json={"results": batch(n)}
            )
            return response.status_code, response.text[:200]

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(post, range(BATCHES)))
        for client in clients:
            client.close()
        failed = [(n, status, text) for n, (status, text) in enumerate(statuses) if status != 201]
        assert not failed, f"{len(failed)} of {BATCHES} batches failed: {failed[:3]}\n" + "\n".join(
            line for line in base_url.process.log().splitlines() if "deadlock" in line.lower()
        )
    assert ProbeResult.objects.count() == BATCHES * PROBES * 3
