"""Writing validated probe results, skipping (probe, client id) pairs already stored.

On PostgreSQL the batch is streamed with COPY into a session temp table and moved with one
`INSERT … ON CONFLICT DO NOTHING RETURNING`: duplicates (stored before, in the batch twice,
or sent by a concurrent request) are skipped by the unique index itself, and the rows
returned are exactly those inserted. Elsewhere (the embedded SQLite) a bulk INSERT after a
lookup of the known ids does the same.
"""

from datetime import datetime

from django.db import connection

from incidents.ingestion import ValidResult
from incidents.models import ProbeResult

COLUMNS = (
    "probe_id",
    "location",
    "observed_at",
    "outcome",
    "latency_ms",
    "status_code",
    "error",
    "client_id",
)
STAGING = """
CREATE TEMP TABLE IF NOT EXISTS incoming_probe_result (
    probe_id bigint, location varchar(64), observed_at timestamptz, outcome varchar(10),
    latency_ms integer, status_code integer, error text, client_id varchar(100)
) ON COMMIT DELETE ROWS
"""
MOVE = f"""
INSERT INTO {ProbeResult._meta.db_table} ({", ".join(COLUMNS)}, received_at)
SELECT {", ".join(COLUMNS)}, now() FROM incoming_probe_result
ON CONFLICT (probe_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
RETURNING probe_id, observed_at
"""


def _row(result: ValidResult) -> tuple:
    return (
        result.probe_id,
        result.location,
        result.observed_at,
        result.outcome,
        result.latency_ms,
        result.status_code,
        result.error,
        result.client_id,
    )


def store_results(results: list[ValidResult]) -> list[tuple[int, datetime]]:
    """Insert the results not stored yet; returns (probe id, observed_at) of each inserted.

    Call inside a transaction.
    """
    if connection.vendor == "postgresql":
        return _copy_and_move(results)
    return _bulk_insert(results)


def _copy_and_move(results: list[ValidResult]) -> list[tuple[int, datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        with cursor.copy(f"COPY incoming_probe_result ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for result in results:
                copy.write_row(_row(result))
        cursor.execute(MOVE)
        return cursor.fetchall()


def _bulk_insert(results: list[ValidResult]) -> list[tuple[int, datetime]]:
    keyed = [r for r in results if r.client_id is not None]
    known = (
        set(
            ProbeResult.objects.filter(
                probe_id__in={r.probe_id for r in keyed},
                client_id__in={r.client_id for r in keyed},
            ).values_list("probe_id", "client_id")
        )
        if keyed
        else set()
    )
    fresh = []
    for result in results:
        if result.client_id is not None:
            if (result.probe_id, result.client_id) in known:
                continue
            known.add((result.probe_id, result.client_id))
        fresh.append(result)
    ProbeResult.objects.bulk_create(
        [ProbeResult(**dict(zip(COLUMNS, _row(r), strict=True))) for r in fresh],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return [(r.probe_id, r.observed_at) for r in fresh]
