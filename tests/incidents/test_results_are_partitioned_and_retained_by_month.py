"""On PostgreSQL probe results live in month partitions: made ahead, a DEFAULT partition
catching what no month covers, and whole months dropped after RESULT_RETENTION_DAYS while
outages and their evidence stay exactly as they were."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from incidents.ingest.services import probe_results_ingest
from incidents.models import Outage, OutageEvidence, Probe, ProbeResult
from incidents.services import partitions, workflow_derive_outages
from incidents.tasks import maintain_result_partitions
from tests.factories import ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's (SQLite: one table)"
)

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
OUTAGE_AT = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)


def month_partitions() -> set[date]:
    return {p.month for p in partitions.result_partitions()}


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def ingest(probe, start: datetime, minutes: int, down: range = range(0), prefix: str = "r"):
    items = [
        {
            "probe": probe.pk,
            "location": location,
            "observed_at": (start + timedelta(minutes=m)).isoformat(),
            "outcome": "down" if m in down else "up",
            "status_code": 503 if m in down else 200,
            "error": "upstream unavailable" if m in down else "",
            "latency_ms": None if m in down else 120,
            "id": f"{prefix}-{location}-{m}",
        }
        for m in range(minutes)
        for location in probe.locations
    ]
    return probe_results_ingest(items=items, customer_id=None, now=start + timedelta(days=1))


@postgresql_only
def test_migrate_leaves_a_partitioned_table_with_the_coming_months_and_a_default():
    assert partitions.is_partitioned()
    this_month = partitions.month_of(timezone.now())
    months = month_partitions()
    ahead = [this_month]
    for _ in range(django_settings.RESULT_PARTITIONS_AHEAD):
        ahead.append(partitions._next_month(ahead[-1]))
    assert set(ahead) <= months
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE relname = %s",
            [partitions.DEFAULT_PARTITION],
        )
        assert cursor.fetchone() == ("DEFAULT",)
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary",
            [partitions.TABLE],
        )
        assert cursor.fetchone() == (["id", "observed_at"],)


@postgresql_only
def test_a_result_years_ahead_is_kept_by_the_default_partition_then_gets_its_month():
    probe = ProbeFactory()
    far = datetime(2091, 7, 4, 9, 30, tzinfo=UTC)
    summary = probe_results_ingest(
        items=[
            {
                "probe": probe.pk,
                "location": "eu-west",
                "observed_at": far.isoformat(),
                "outcome": "down",
                "id": "far-1",
            }
        ],
        customer_id=None,
        now=far,
    )
    assert summary.accepted == 1
    stored = ProbeResult.objects.get(client_id="far-1")
    assert rows_in(partitions.DEFAULT_PARTITION) == 1

    created = partitions.result_partitions_ensure(now=NOW, months_ahead=1)
    assert created == [
        partitions.partition_name(date(2026, 3, 1)),
        partitions.partition_name(date(2026, 4, 1)),
        partitions.partition_name(date(2091, 7, 1)),
    ]
    assert rows_in(partitions.DEFAULT_PARTITION) == 0
    assert rows_in(partitions.partition_name(date(2091, 7, 1))) == 1
    assert partitions.result_partitions_ensure(now=NOW, months_ahead=1) == []

    # Django still reads, updates and deletes by `id` alone.
    again = ProbeResult.objects.get(pk=stored.pk)
    again.error = "seen"
    again.save()
    assert ProbeResult.objects.get(pk=stored.pk).error == "seen"
    # A re-send is still a duplicate, now that the result sits in its month partition.
    resent = probe_results_ingest(
        items=[
            {
                "probe": probe.pk,
                "location": "eu-west",
                "observed_at": far.isoformat(),
                "outcome": "down",
                "id": "far-1",
            }
        ],
        customer_id=None,
        now=far,
    )
    assert (resent.accepted, resent.duplicates) == (0, 1)


def test_the_same_id_at_another_instant_is_another_result(customer, customer_client):
    probe = ProbeFactory(workflow=WorkflowFactory(customer=customer))
    at = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    first = {"probe": probe.pk, "location": "eu-west", "outcome": "up", "id": "agent-7"}
    batch = [
        {**first, "observed_at": at.isoformat()},
        {**first, "observed_at": at.isoformat()},
        {**first, "observed_at": (at + timedelta(minutes=1)).isoformat()},
    ]
    response = customer_client.post("/api/v1/probe-results/", {"results": batch}, format="json")
    assert response.json() == {"accepted": 2, "duplicates": 1}
    response = customer_client.post("/api/v1/probe-results/", {"results": batch}, format="json")
    assert response.json() == {"accepted": 0, "duplicates": 3}


@pytest.fixture
def outage_a_year_back(customer):
    """An outage in January 2025, derived from results later than and before it."""
    probe = ProbeFactory(workflow=WorkflowFactory(customer=customer))
    ingest(probe, datetime(2024, 12, 31, 23, 0, tzinfo=UTC), 60, prefix="dec")
    ingest(probe, OUTAGE_AT, 60, down=range(10, 25))
    ingest(probe, datetime(2025, 2, 20, 10, 0, tzinfo=UTC), 30, prefix="feb")
    ingest(probe, NOW - timedelta(hours=1), 60, prefix="now")
    partitions.result_partitions_ensure(now=NOW, months_ahead=0)
    workflow_derive_outages(workflow_id=probe.workflow_id, now=NOW)
    outage = Outage.objects.get(workflow=probe.workflow)
    assert outage.started_at.date() == OUTAGE_AT.date()
    return outage


def _page_evidence(html: str) -> str:
    return re.search(r'<section class="panel" id="evidence">.*?</section>', html, re.S)[0]


def test_retention_drops_whole_old_months_and_evidence_still_shows_what_it_showed(
    settings, customer_client, outage_a_year_back
):
    outage = outage_a_year_back
    staff = get_user_model().objects.create_user("staff", is_staff=True, is_superuser=True)
    console = Client()
    console.force_login(staff)
    detail_url = f"/api/v1/outages/{outage.pk}/"
    before_api = customer_client.get(detail_url).json()
    before_page = _page_evidence(console.get(f"/console/outages/{outage.pk}/").content.decode())
    assert len(before_api["evidence"]) >= 2
    assert {e["outcome"] for e in before_api["evidence"]} == {"down", "up"}
    assert "upstream unavailable" in before_page
    kept = ProbeResult.objects.filter(observed_at__gte=datetime(2025, 2, 1, tzinfo=UTC)).count()

    gone = ProbeResult.objects.count() - kept
    settings.RESULT_RETENTION_DAYS = 400  # cutoff 2025-02-08: December and January go
    dropped = partitions.results_drop_expired(now=NOW)

    if connection.vendor == "postgresql":
        assert dropped.dropped == (
            partitions.partition_name(date(2024, 12, 1)),
            partitions.partition_name(date(2025, 1, 1)),
        )
        assert dropped.deleted_rows == 0  # no row DELETE: whole partitions
        assert date(2025, 2, 1) in month_partitions()
        assert date(2025, 1, 1) not in month_partitions()
    else:  # the embedded SQLite deletes rows older than the cutoff
        assert (dropped.dropped, dropped.deleted_rows) == ((), gone)
    assert ProbeResult.objects.count() == kept
    assert not ProbeResult.objects.filter(pk__in=[e["result"] for e in before_api["evidence"]])

    assert customer_client.get(detail_url).json() == before_api
    after_page = console.get(f"/console/outages/{outage.pk}/")
    assert after_page.status_code == 200
    assert _page_evidence(after_page.content.decode()) == before_page
    admin = console.get(f"/admin/incidents/outage/{outage.pk}/change/")
    assert admin.status_code == 200
    assert "upstream unavailable" in admin.content.decode()
    survivor = ProbeResult.objects.order_by("observed_at").first()
    assert console.get(f"/admin/incidents/proberesult/{survivor.pk}/change/").status_code == 200

    # A full re-derivation, and a late result from before the horizon, leave it as it is.
    outage.workflow.derived_at = None
    outage.workflow.save(update_fields=["derived_at"])
    probe = outage.probes.get()
    ingest(probe, OUTAGE_AT + timedelta(minutes=5), 2, prefix="late")
    workflow_derive_outages(workflow_id=outage.workflow_id, now=NOW)
    assert list(Outage.objects.filter(workflow=outage.workflow).values_list("pk", flat=True)) == [
        outage.pk
    ]
    assert customer_client.get(detail_url).json() == before_api

    if connection.vendor == "postgresql":
        assert partitions.results_drop_expired(now=NOW).dropped == ()


def test_without_retention_nothing_is_dropped(outage_a_year_back):
    assert django_settings.RESULT_RETENTION_DAYS == 0
    count = ProbeResult.objects.count()
    summary = partitions.results_drop_expired(now=NOW + timedelta(days=3650))
    assert (summary.cutoff, summary.dropped) == (None, ())
    assert ProbeResult.objects.count() == count


def test_deleting_a_probe_deletes_its_results_and_evidence(outage_a_year_back):
    probe = outage_a_year_back.probes.get()
    assert OutageEvidence.objects.filter(probe=probe).exists()
    Probe.objects.filter(pk=probe.pk).delete()
    assert not ProbeResult.objects.filter(probe_id=probe.pk).exists()
    assert not OutageEvidence.objects.filter(probe_id=probe.pk).exists()


@postgresql_only
def test_the_beat_task_makes_partitions_and_applies_retention(settings):
    assert "incidents.maintain_result_partitions" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    probe = ProbeFactory()
    old = datetime(2001, 5, 5, tzinfo=UTC)
    ProbeResult.objects.create(probe=probe, location="eu-west", observed_at=old, outcome="up")
    settings.RESULT_RETENTION_DAYS = 30
    outcome = maintain_result_partitions.delay().get()
    assert partitions.partition_name(date(2001, 5, 1)) in outcome["created"]
    assert partitions.partition_name(date(2001, 5, 1)) in outcome["dropped"]
    assert not ProbeResult.objects.filter(observed_at=old).exists()
    assert maintain_result_partitions.delay().get() == {
        "created": [],
        "dropped": [],
        "deleted_rows": 0,
    }
