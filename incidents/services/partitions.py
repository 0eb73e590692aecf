"""Monthly partitions of the probe-results table: made ahead, split out of the default
partition, and dropped whole once older than RESULT_RETENTION_DAYS.

On PostgreSQL `incidents_proberesult` is range-partitioned by `observed_at` (migration
0013_proberesult_partitioned), one partition per UTC month named `…_pYYYY_MM`, plus a
DEFAULT partition that catches a result no month partition covers (a clock years off, a
late backfill), so no result is ever refused for want of a partition. The maintenance task
creates the coming months and moves whatever landed in the default partition into its own
month's partition, so retention can later drop it like any other month.

Retention drops whole partitions (`DROP TABLE`, never a row `DELETE`): a month goes once
all of it is older than the cutoff. Derivation never re-derives before the retention
horizon (see `derive.derivation_window_start`), so outages whose results are gone are kept
as they are. The embedded SQLite keeps one table and deletes old rows instead.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from incidents.models import ProbeResult

TABLE = ProbeResult._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
_MONTH_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")
# Serialises maintenance runs (beat, migrate, a bench) against each other.
_LOCK_KEY = 0x70617274  # "part"
# Attaching and dropping a partition lock the results table: rather than queue behind a long
# read (and hold up ingest queued behind us), give up and let the task's retry come back.
_LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class MonthPartition:
    name: str
    month: date  # the first day of the UTC month it holds

    @property
    def start(self) -> datetime:
        return datetime(self.month.year, self.month.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(*_next_month(self.month).timetuple()[:3], tzinfo=UTC)


@dataclass(frozen=True)
class RetentionSummary:
    cutoff: datetime | None
    dropped: tuple[str, ...]  # partitions dropped (PostgreSQL)
    deleted_rows: int  # rows deleted (SQLite)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_of(instant: datetime) -> date:
    utc = instant.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month.year:04d}_{month.month:02d}"


def _literal(instant: datetime) -> str:
    # Bounds are DDL (no bind parameters); they are built from dates, never from input.
    return f"'{instant.isoformat()}'"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def result_partitions() -> list[MonthPartition]:
    """The month partitions that exist, oldest first (the default partition is not listed)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    months = []
    for name in names:
        if match := _MONTH_NAME.match(name):
            months.append(MonthPartition(name, date(int(match[1]), int(match[2]), 1)))
    return sorted(months, key=lambda p: p.month)


def create_month_partition(cursor, month: date) -> str:
    """Create the partition of `month`, moving its rows out of the default partition first
    (PostgreSQL refuses a partition whose rows the default partition holds)."""
    name = partition_name(month)
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(*_next_month(month).timetuple()[:3], tzinfo=UTC)
    bounds = f"FROM ({_literal(start)}) TO ({_literal(end)})"
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "
        f"WHERE observed_at >= %s AND observed_at < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [start, end],
    )
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES {bounds}")
    return name


def result_partitions_ensure(
    *, now: datetime | None = None, months_ahead: int | None = None
) -> list[str]:
    """Make sure this month, the next `months_ahead` and every month with a result in the
    default partition have their own partition. Idempotent; returns the partitions created."""
    if not is_partitioned():
        return []
    now = now or datetime.now(UTC)
    ahead = settings.RESULT_PARTITIONS_AHEAD if months_ahead is None else months_ahead
    wanted = {month_of(now)}
    for _ in range(ahead):
        wanted.add(_next_month(max(wanted)))
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        _serialise(cursor)
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', observed_at AT TIME ZONE 'UTC')::date "
            f"FROM {DEFAULT_PARTITION}"
        )
        wanted |= {month for (month,) in cursor.fetchall()}
        existing = {p.month for p in result_partitions()}
        for month in sorted(wanted - existing):
            created.append(create_month_partition(cursor, month))
    return created


def _serialise(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")


def retention_horizon(now: datetime) -> datetime | None:
    """Results before this instant may have been dropped (None: results are kept forever)."""
    days = settings.RESULT_RETENTION_DAYS
    return now - timedelta(days=days) if days else None


def results_drop_expired(*, now: datetime | None = None) -> RetentionSummary:
    """Drop the results older than RESULT_RETENTION_DAYS: on PostgreSQL every month
    partition that ends at or before the cutoff, whole; on SQLite the rows."""
    now = now or datetime.now(UTC)
    cutoff = retention_horizon(now)
    if cutoff is None:
        return RetentionSummary(cutoff=None, dropped=(), deleted_rows=0)
    if not is_partitioned():
        deleted, _ = ProbeResult.objects.filter(observed_at__lt=cutoff).delete()
        return RetentionSummary(cutoff=cutoff, dropped=(), deleted_rows=deleted)
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        _serialise(cursor)
        for partition in result_partitions():
            if partition.end <= cutoff:
                cursor.execute(f"DROP TABLE {partition.name}")
                dropped.append(partition.name)
    return RetentionSummary(cutoff=cutoff, dropped=tuple(dropped), deleted_rows=0)
