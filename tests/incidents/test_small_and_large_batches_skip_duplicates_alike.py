"""The direct path (small batches, from arrays) and the COPY path (large ones) store the same
rows and count the same duplicates: twice in one batch, sent again, or sent concurrently."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections, connection

from incidents.ingest import store
from incidents.ingest.services import probe_results_ingest
from incidents.models import Probe, ProbeResult
from tests.factories import ProbeFactory

START = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
SIZES = {"direct": store.DIRECT_INSERT_MAX, "copy": store.DIRECT_INSERT_MAX + 1}


def batch(probe, size: int, *, first_id: int = 0) -> list[dict]:
    return [
        {
            "probe": probe.pk,
            "location": "eu-west",
            "observed_at": (START + timedelta(minutes=n)).isoformat(),
            "outcome": "down" if n % 7 == 0 else "up",
            "latency_ms": 100 + n,
            "id": f"r-{first_id + n}",
        }
        for n in range(size)
    ]


def ingest(items) -> tuple[int, int]:
    summary = probe_results_ingest(items=items, customer_id=None, now=START + timedelta(days=1))
    return summary.accepted, summary.duplicates


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("both paths are PostgreSQL's")


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIZES)
def test_duplicates_in_the_batch_and_resent_ones_are_skipped(postgres, path):
    probe = ProbeFactory(locations=["eu-west"])
    size = SIZES[path]
    items = batch(probe, size - 2)
    items += [dict(items[0]), {**items[1], "outcome": "down"}]  # the same ids, twice
    assert ingest(items) == (size - 2, 2)
    assert ingest(batch(probe, size)) == (2, size - 2)  # sent again, with two new ones
    no_id = [{k: v for k, v in item.items() if k != "id"} for item in batch(probe, size)]
    assert ingest(no_id) == (size, 0)  # without an id, nothing is a duplicate
    assert ProbeResult.objects.filter(probe=probe).count() == 2 * size
    probe.refresh_from_db()
    assert probe.derivation_pending
    assert probe.first_observed_at == START
    assert probe.last_observed_at == START + timedelta(minutes=size - 1)


@pytest.mark.django_db
def test_both_paths_store_the_same_columns(postgres):
    probes = [ProbeFactory(locations=["eu-west"]) for _ in SIZES]
    for probe, size in zip(probes, SIZES.values(), strict=True):
        items = batch(probe, size)
        items[3].update(status_code=503, error="Service Unavailable", tokens_used=7)
        items[3]["tokens_per_second"] = "12.345"
        ingest(items)
    stored = [
        list(
            ProbeResult.objects.filter(probe=probe)
            .order_by("observed_at")
            .values_list(*[c for c in store.COLUMNS if c != "probe_id"])[: SIZES["direct"]]
        )
        for probe in probes
    ]
    assert stored[0] == stored[1]
    assert stored[0][3][4:] == (503, "Service Unavailable", "r-3", 7, stored[0][3][-1])
    assert str(stored[0][3][-1]) == "12.35"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", SIZES)
def test_concurrent_sends_of_the_same_batch_store_it_once(postgres, path):
    probe = ProbeFactory(locations=["eu-west"])
    items = batch(probe, SIZES[path])
    outcomes, barrier = [], threading.Barrier(4)

    def send() -> None:
        try:
            barrier.wait()
            outcomes.append(ingest(items))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(accepted for accepted, _ in outcomes) == SIZES[path]
    assert sum(duplicates for _, duplicates in outcomes) == 3 * SIZES[path]
    assert ProbeResult.objects.filter(probe=probe).count() == SIZES[path]
    # Flagged once stored (the eager derivation may since have cleared the flag).
    last = Probe.objects.get(pk=probe.pk).last_observed_at
    assert last == START + timedelta(minutes=SIZES[path] - 1)
