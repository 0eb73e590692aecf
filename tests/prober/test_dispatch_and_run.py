"""Dispatch claims each slot once, skips missed slots, and a run stores through ingestion."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents.models import Outage, Probe, ProbeResult
from incidents.prober import services
from incidents.prober.tasks import dispatch_due_probes, run_probes
from tests.factories import LLMProbeFactory, ProbeFactory


def http_probe(url: str, **fields) -> Probe:
    defaults = {
        "kind": "http",
        "target": url,
        "interval_seconds": 30,
        "timeout_ms": 2000,
        "locations": ["eu", "us"],
        "failure_threshold": 1,
    }
    return ProbeFactory(**{**defaults, **fields})


@pytest.mark.django_db
def test_due_probes_are_claimed_once_and_grouped_by_location():
    now = timezone.now()
    a = http_probe("http://a.example/", next_run_at=None)
    b = http_probe("http://b.example/", locations=["eu"], next_run_at=now - timedelta(seconds=1))
    later = http_probe("http://c.example/", next_run_at=now + timedelta(seconds=5))
    ProbeFactory(kind="external", next_run_at=None)  # pushed results: never dispatched
    http_probe("http://d.example/", enabled=False)

    dispatches = services.probes_claim_due(now=now)
    assert [(d.location, d.probe_ids) for d in dispatches] == [
        ("eu", (a.pk, b.pk)),
        ("us", (a.pk,)),
    ]
    assert services.probes_claim_due(now=now) == []  # the same tick again: nothing left
    a.refresh_from_db()
    later.refresh_from_db()
    assert a.next_run_at == now + timedelta(seconds=30)
    assert later.next_run_at == now + timedelta(seconds=5)


@pytest.mark.django_db
def test_missed_slots_are_not_replayed_as_a_burst():
    now = timezone.now()
    probe = http_probe("http://a.example/", next_run_at=now - timedelta(hours=2))
    assert len(services.probes_claim_due(now=now)) == 2  # one run per location, once
    for _ in range(5):
        assert services.probes_claim_due(now=now + timedelta(seconds=10)) == []
    probe.refresh_from_db()
    assert now < probe.next_run_at <= now + timedelta(seconds=30)


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_claim_each_slot_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    now = timezone.now()
    probes = [http_probe(f"http://{n}.example/", next_run_at=None) for n in range(30)]
    claimed: list[list] = []
    barrier = threading.Barrier(4)

    def dispatcher():
        barrier.wait()
        try:
            claimed.append(services.probes_claim_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    eu_runs = [pk for batch in claimed for d in batch if d.location == "eu" for pk in d.probe_ids]
    assert sorted(eu_runs) == sorted(p.pk for p in probes)


@pytest.mark.django_db
def test_a_running_probe_is_not_run_again_in_the_same_location(target):
    probe = http_probe(target.url)
    now = timezone.now()
    claim = {"probe_id": probe.pk, "dispatched_at": now, "now": now}
    assert services.probe_run_claim(location="eu", token="first", **claim) is not None
    assert services.probe_run_claim(location="eu", token="second", **claim) is None
    # Another location is independent.
    assert services.probe_run_claim(location="us", token="third", **claim) is not None
    # A batch for eu while the first run holds the lease runs nothing.
    summary = services.probes_run(
        location="eu", probe_ids=[probe.pk], dispatched_at=now, environ={}
    )
    assert (summary["ran"], summary["skipped"]) == (0, 1)
    assert target.requests() == []
    # Released, it runs; a crashed run's lease lapses after the timeout and a margin.
    services.probe_run_release(probe_id=probe.pk, location="eu", token="first")
    assert services.probe_run_claim(location="eu", token="fourth", **claim) is not None
    later = now + timedelta(seconds=33)
    assert services.probe_run_claim(
        probe_id=probe.pk, location="eu", token="fifth", dispatched_at=later, now=later
    )


@pytest.mark.django_db
def test_stale_dispatch_is_dropped(target):
    probe = http_probe(target.url, interval_seconds=10)
    late = timezone.now() - timedelta(seconds=11)
    summary = services.probes_run(location="eu", probe_ids=[probe.pk], dispatched_at=late)
    assert summary["ran"] == 0
    assert target.requests() == []


@pytest.mark.django_db
def test_dispatch_and_run_store_results_through_ingestion_and_derive(
    target, django_capture_on_commit_callbacks
):
    """Eagerly (as `make demo` runs): beat's task dispatches, the batch runs and stores."""
    target.mode = "error"
    probe = http_probe(target.url, locations=["eu"], quorum=1)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_probes()
    [result] = ProbeResult.objects.filter(probe=probe)
    assert (result.location, result.outcome, result.status_code) == ("eu", "down", 500)
    assert result.client_id.startswith("prober:eu:")
    assert result.error == "HTTP 500 Internal Server Error, expected 2xx"
    # Ingestion queued derivation (eager here): failure_threshold 1 opened an outage.
    outage = Outage.objects.get(workflow=probe.workflow)
    assert outage.started_at == result.observed_at and outage.ended_at is None
    probe.refresh_from_db()
    assert probe.run_leases == {}
    assert probe.last_observed_at == result.observed_at


@pytest.mark.django_db
def test_a_worker_refuses_another_locations_batch(target, settings):
    settings.PROBE_LOCATION = "us"
    probe = http_probe(target.url)
    summary = run_probes("eu", [probe.pk], timezone.now().isoformat())
    assert summary["ran"] == 0
    assert not ProbeResult.objects.exists()


@pytest.mark.django_db
def test_llm_runs_record_tokens_used(llm_stub, monkeypatch):
    monkeypatch.setenv("PROBE_STUB_LLM_KEY", "sk-stub-000000")
    probe = LLMProbeFactory(
        target=llm_stub.url + "/v1", llm_api_key_env="PROBE_STUB_LLM_KEY", locations=["eu"]
    )
    services.probes_run(location="eu", probe_ids=[probe.pk], dispatched_at=timezone.now())
    result = ProbeResult.objects.get(probe=probe)
    assert (result.outcome, result.tokens_used) == ("up", 17)
    assert result.tokens_per_second is None or result.tokens_per_second > 0


@pytest.mark.django_db
def test_results_of_a_probe_changed_meanwhile_are_set_aside_not_fatal(target):
    kept = http_probe(target.url, locations=["eu"])
    moved = http_probe(target.url, locations=["eu"])
    now = timezone.now()
    items = [
        {"probe": kept.pk, "location": "eu", "observed_at": now.isoformat(), "outcome": "up"},
        {"probe": moved.pk, "location": "ap", "observed_at": now.isoformat(), "outcome": "up"},
    ]
    stored = services.probe_results_store(items=items)
    assert stored["accepted"] == 1
    assert stored["rejected"][0]["index"] == 1
    assert list(ProbeResult.objects.values_list("probe_id", flat=True)) == [kept.pk]
