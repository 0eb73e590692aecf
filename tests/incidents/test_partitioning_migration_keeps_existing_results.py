"""Migration 0012 turns an existing results table into a partitioned one: every row lands in
its month's partition with its id, evidence gets its copy (0011), and ids continue."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import OutageEvidence, ProbeResult
from incidents.services import partitions
from tests.factories import ProbeFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps one table"),
]

BEFORE = [("incidents", "0011_sweep_run")]
OBSERVED = [
    datetime(2024, 5, 3, tzinfo=UTC),
    datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 12, 1, tzinfo=UTC),
]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_existing_rows_move_into_month_partitions_with_their_ids_and_evidence():
    probe = ProbeFactory()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("incidents")
    migrate(BEFORE)
    try:
        assert not partitions.is_partitioned()
        with connection.cursor() as cursor:
            for n, at in enumerate(OBSERVED):
                cursor.execute(
                    "INSERT INTO incidents_proberesult (id, probe_id, location, observed_at, "
                    "outcome, error, status_code, client_id, received_at) "
                    "VALUES (%s, %s, 'eu-west', %s, 'down', 'HTTP 503', 503, %s, now())",
                    [100 + n, probe.pk, at, f"c{n}"],
                )
            cursor.execute(
                "INSERT INTO incidents_outage (workflow_id, started_at, severity, source, "
                "root_cause, summary, excluded_from_sla, exclusion_reason, created_at, "
                "updated_at) VALUES (%s, %s, 'down', 'probe', '', '', false, '', now(), now()) "
                "RETURNING id",
                [probe.workflow_id, OBSERVED[0]],
            )
            (outage_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO incidents_outageevidence (outage_id, result_id, role) "
                "VALUES (%s, 100, 'opening')",
                [outage_id],
            )
    finally:
        migrate(latest)

    assert partitions.is_partitioned()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, tableoid::regclass::text FROM incidents_proberesult ORDER BY id")
        assert cursor.fetchall() == [
            (100, "incidents_proberesult_p2024_05"),
            (101, "incidents_proberesult_p2026_11"),
            (102, "incidents_proberesult_p2026_12"),
        ]
    evidence = OutageEvidence.objects.get(outage_id=outage_id)
    assert (evidence.probe_id, evidence.location, evidence.observed_at, evidence.outcome) == (
        probe.pk,
        "eu-west",
        OBSERVED[0],
        "down",
    )
    assert (evidence.status_code, evidence.error, evidence.result_id) == (503, "HTTP 503", 100)
    fresh = ProbeResult.objects.create(
        probe=probe, location="eu-west", observed_at=OBSERVED[2], outcome="up"
    )
    assert fresh.pk > 102
    assert ProbeResult.objects.get(pk=101).observed_at == OBSERVED[1]
