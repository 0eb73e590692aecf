"""Writing validated probe results and flagging their probes for derivation.

A stored result flags its probe `derivation_pending` (with the earliest new observed_at, so
re-derivation starts there) in the same transaction, and the caller queues a derivation
for each workflow none was queued for yet: a workflow whose probe was already flagged has
a derivation waiting that has not claimed the flags, and it will derive these results too.

On PostgreSQL the batch is streamed with COPY into a session temp table, and one statement
moves it with `INSERT … ON CONFLICT DO NOTHING` (duplicates, whether stored before, twice in
the batch or sent by a concurrent request, are skipped by the unique index itself) and
flags the probes of the rows actually inserted. Probe rows are locked in id order
(`FOR NO KEY UPDATE`, which does not block foreign-key checks), as derivation claims them,
so concurrent batches and derivations never deadlock. Elsewhere (the embedded SQLite) a
bulk INSERT after a lookup of the known ids and an UPDATE per probe do the same.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least

from incidents.ingest.validate import ValidResult
from incidents.models import Probe, ProbeResult

COLUMNS = (
    "probe_id",
    "location",
    "observed_at",
    "outcome",
    "latency_ms",
    "status_code",
    "error",
    "client_id",
    "tokens_used",
    "tokens_per_second",
)
# The idempotency key: a result is a duplicate of one with the same probe, client_id and
# observed_at. It carries observed_at because on PostgreSQL the table is partitioned by it
# and a unique index must include the partition key.
CONFLICT_TARGET = "(probe_id, client_id, observed_at) WHERE client_id IS NOT NULL"
STAGING = """
CREATE TEMP TABLE IF NOT EXISTS incoming_probe_result (
    probe_id bigint, location varchar(64), observed_at timestamptz, outcome varchar(10),
    latency_ms integer, status_code integer, error text, client_id varchar(100),
    tokens_used integer, tokens_per_second numeric(10, 2)
) ON COMMIT DELETE ROWS
"""
# The staging table is emptied as it is read: a second batch in the same transaction (a
# retry after a rejection, a test) must not see the first. LEAST and GREATEST ignore NULLs
# in PostgreSQL, so an unset column takes the new value.
MOVE_AND_FLAG = f"""
WITH staged AS (
    DELETE FROM incoming_probe_result RETURNING *
), inserted AS (
    INSERT INTO {ProbeResult._meta.db_table} ({", ".join(COLUMNS)}, received_at)
    SELECT {", ".join(COLUMNS)}, now() FROM staged
    ON CONFLICT {CONFLICT_TARGET} DO NOTHING
    RETURNING probe_id, observed_at
), span AS (
    SELECT probe_id, min(observed_at) AS earliest, max(observed_at) AS newest,
           count(*) AS stored
    FROM inserted GROUP BY probe_id
), locked AS MATERIALIZED (
    SELECT id, derivation_pending AS was_pending FROM {Probe._meta.db_table}
    WHERE id IN (SELECT probe_id FROM span) ORDER BY id FOR NO KEY UPDATE
)
UPDATE {Probe._meta.db_table} AS probe SET
    derivation_pending = true,
    derivation_pending_since = LEAST(probe.derivation_pending_since, span.earliest),
    first_observed_at = LEAST(probe.first_observed_at, span.earliest),
    last_observed_at = GREATEST(probe.last_observed_at, span.newest)
FROM span JOIN locked ON locked.id = span.probe_id
WHERE probe.id = span.probe_id
RETURNING probe.workflow_id, locked.was_pending, span.stored
"""


@dataclass(frozen=True)
class StoredBatch:
    inserted: int
    workflows_to_queue: frozenset[int]  # workflows with no derivation waiting before


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
        result.tokens_used,
        result.tokens_per_second,
    )


def store_results(results: list[ValidResult]) -> StoredBatch:
    """Insert the results not stored yet and flag their probes. Call inside a transaction."""
    if connection.vendor == "postgresql":
        return _copy_move_and_flag(results)
    return _flag_probes(_bulk_insert(results))


def _copy_move_and_flag(results: list[ValidResult]) -> StoredBatch:
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        with cursor.copy(f"COPY incoming_probe_result ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for result in results:
                copy.write_row(_row(result))
        cursor.execute(MOVE_AND_FLAG)
        flagged = cursor.fetchall()
    return StoredBatch(
        inserted=sum(stored for _, _, stored in flagged),
        workflows_to_queue=frozenset(wf for wf, was_pending, _ in flagged if not was_pending),
    )


def _bulk_insert(results: list[ValidResult]) -> list[ValidResult]:
    keyed = [r for r in results if r.client_id is not None]
    known = (
        set(
            ProbeResult.objects.filter(
                probe_id__in={r.probe_id for r in keyed},
                client_id__in={r.client_id for r in keyed},
            ).values_list("probe_id", "client_id", "observed_at")
        )
        if keyed
        else set()
    )
    fresh = []
    for result in results:
        if result.client_id is not None:
            key = (result.probe_id, result.client_id, result.observed_at)
            if key in known:
                continue
            known.add(key)
        fresh.append(result)
    ProbeResult.objects.bulk_create(
        [ProbeResult(**dict(zip(COLUMNS, _row(r), strict=True))) for r in fresh],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return fresh


def _flag_probes(inserted: list[ValidResult]) -> StoredBatch:
    span: dict[int, tuple[datetime, datetime]] = {}
    for result in inserted:
        first, last = span.get(result.probe_id, (result.observed_at, result.observed_at))
        span[result.probe_id] = (min(first, result.observed_at), max(last, result.observed_at))
    to_queue = set()
    for probe_id, (earliest, newest) in sorted(span.items()):
        workflow_id, was_pending = (
            Probe.objects.select_for_update(no_key=True)
            .filter(pk=probe_id)
            .values_list("workflow_id", "derivation_pending")
            .get()
        )
        first, last = Value(earliest), Value(newest)
        Probe.objects.filter(pk=probe_id).update(
            derivation_pending=True,
            derivation_pending_since=Least(Coalesce("derivation_pending_since", first), first),
            first_observed_at=Least(Coalesce("first_observed_at", first), first),
            last_observed_at=Greatest(Coalesce("last_observed_at", last), last),
        )
        if not was_pending:
            to_queue.add(workflow_id)
    return StoredBatch(inserted=len(inserted), workflows_to_queue=frozenset(to_queue))
