"""Writing validated probe results and flagging their probes for derivation.

A stored result flags its probe `derivation_pending` (with the earliest new observed_at, so
re-derivation starts there) in the same transaction, and the caller queues a derivation
for each workflow none was queued for yet: a workflow whose probe was already flagged has
a derivation waiting that has not claimed the flags, and it will derive these results too.

On PostgreSQL one statement inserts the batch with `INSERT … ON CONFLICT DO NOTHING`
(duplicates, whether stored before, twice in the batch or sent by a concurrent request, are
skipped by the unique index itself) and flags the probes of the rows actually inserted. A
small batch (what an agent sends every few seconds) reaches it as one array per column,
unnested, in that single round trip and without a temp table (creating one per request
churns the catalog); a large one is streamed first with COPY into a session temp table.
Both name the unique key in CONFLICT_TARGET. Probe rows are locked in id order (`FOR NO KEY
UPDATE`, which does not block foreign-key checks), as derivation claims them, so concurrent
batches and derivations never deadlock. Elsewhere (the embedded SQLite) a
bulk INSERT after a lookup of the known ids and an UPDATE per probe do the same.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
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
# The unique key a re-sent result hits; both paths name it here and nowhere else. It carries
# observed_at because on PostgreSQL the table is partitioned by it and a unique index must
# include the partition key.
CONFLICT_TARGET = "(probe_id, client_id, observed_at) WHERE client_id IS NOT NULL"
# Batches up to this size go straight from arrays into the table in one statement; larger
# ones are streamed with COPY, which costs two more round trips but wins on volume.
DIRECT_INSERT_MAX = 50
SQL_TYPES = (
    "bigint",
    "varchar(64)",
    "timestamptz",
    "varchar(10)",
    "integer",
    "integer",
    "text",
    "varchar(100)",
    "integer",
    "numeric(10, 2)",
)
STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS incoming_probe_result (
    {", ".join(f"{name} {type_}" for name, type_ in zip(COLUMNS, SQL_TYPES, strict=True))}
) ON COMMIT DELETE ROWS
"""


def _insert_and_flag(incoming: str) -> str:
    """One statement: insert the rows of the CTE ``incoming`` that are new, flag their probes.

    LEAST and GREATEST ignore NULLs in PostgreSQL, so an unset column takes the new value.
    """
    return f"""
WITH {incoming}, inserted AS (
    INSERT INTO {ProbeResult._meta.db_table} ({", ".join(COLUMNS)}, received_at)
    SELECT {", ".join(COLUMNS)}, now() FROM incoming
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


# The staging table is emptied as it is read: a second batch in the same transaction (a
# retry after a rejection, a test) must not see the first.
MOVE_AND_FLAG = _insert_and_flag("incoming AS (DELETE FROM incoming_probe_result RETURNING *)")
# A small batch arrives as one array per column, unnested back into rows.
UNNEST_AND_FLAG = _insert_and_flag(
    "incoming AS (SELECT * FROM unnest("
    + ", ".join(f"%s::{type_}[]" for type_ in SQL_TYPES)
    + f") AS arrays ({', '.join(COLUMNS)}))"
)


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
    """Insert the results not stored yet and flag their probes, all or nothing.

    Atomic by itself; inside the caller's transaction it is part of that one. A small batch
    on PostgreSQL is a single statement, so it needs no BEGIN and COMMIT of its own.
    """
    if connection.vendor == "postgresql" and len(results) <= DIRECT_INSERT_MAX:
        return _flagged(_unnest_and_flag(results))
    with transaction.atomic(savepoint=False):
        if connection.vendor != "postgresql":
            return _flag_probes(_bulk_insert(results))
        return _flagged(_copy_move_and_flag(results))


def _unnest_and_flag(results: list[ValidResult]) -> list[tuple[int, bool, int]]:
    columns = [list(column) for column in zip(*map(_row, results), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(UNNEST_AND_FLAG, columns)
        return cursor.fetchall()


def _copy_move_and_flag(results: list[ValidResult]) -> list[tuple[int, bool, int]]:
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        with cursor.copy(f"COPY incoming_probe_result ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for result in results:
                copy.write_row(_row(result))
        cursor.execute(MOVE_AND_FLAG)
        return cursor.fetchall()


def _flagged(flagged: list[tuple[int, bool, int]]) -> StoredBatch:
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
