"""Ingestion throughput: the REST API (through gunicorn) against a raw COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_bench \\
        .venv/bin/python bench/ingest.py [--results 100000] [--batch 1000]

Drops and re-creates the bench database (its name must end in ``_bench``; any other name
gets ``_bench`` appended, so the database you point at is never dropped), migrates it,
seeds 1 customer with 10 workflows of 1 probe each (3 locations, interval 60 s, quorum 2)
and an ingest key, then runs, on the same generated results:

1. API, derivation inline: gunicorn (2 workers) with no broker, so Celery is eager and
   each batch's derivations run in the request, after its commit.
2. API, derivation deferred: the same server told not to run tasks eagerly and given a
   broker that refuses connections; queueing fails fast, the probes stay flagged, and the
   sweep (run here, in-process, timed) derives everything afterwards.
3. ``--rounds`` rounds (3) of two runs:
   - API with a real Celery worker (Redis, ``--worker-broker``), timed until every result
     is posted *and* derived: the production shape of "derivation included", on which the
     issue's target (a quarter of the COPY rate) is judged;
   - COPY: ``COPY incidents_proberesult (...) FROM STDIN`` through psycopg 3.
   Each round's ratio is against its own COPY and the verdict is on the median, since this
   machine's speed drifts from one minute to the next. A full derivation of every workflow
   after the last COPY is timed apart.

Results are one per probe and location per minute, so N results span the last N/30
minutes, all in the past: mostly up, with multi-location down runs (outages), lone
down blips below the failure threshold and some slow (degraded) results.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import bench_database_url, recreate_database, use_local_http  # noqa: E402

WORKFLOWS = 10
LOCATIONS = ("eu-west", "us-east", "ap-south")
INTERVAL_SECONDS = 60
DEGRADED_LATENCY_MS = 2_000
TARGET_RATIO = 0.25  # issue 2: the API sustains a quarter of COPY, derivation included
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
COPY_COLUMNS = (
    "probe_id",
    "location",
    "observed_at",
    "outcome",
    "latency_ms",
    "status_code",
    "error",
    "client_id",
    "received_at",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000, help="results to ingest")
    parser.add_argument("--batch", type=int, default=1_000, help="results per POST (<= 5000)")
    parser.add_argument(
        "--clients",
        type=int,
        default=2,
        help="concurrent HTTP clients (2 keeps both gunicorn workers busy)",
    )
    parser.add_argument(
        "--no-deferred", action="store_true", help="skip the derivation-deferred variant"
    )
    parser.add_argument(
        "--worker-broker",
        default="redis://127.0.0.1:6379/11",
        help="Redis for the variant with a real Celery worker ('' skips it)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of (API with a worker, COPY); the verdict is on the median ratio",
    )
    parser.add_argument("--seed", type=int, default=20261001)
    args = parser.parse_args()
    if not 1 <= args.batch <= 5_000:
        parser.error("--batch must be between 1 and 5000")
    if args.results < len(LOCATIONS) * WORKFLOWS:
        parser.error(f"--results must be at least {len(LOCATIONS) * WORKFLOWS}")
    return args


# --- database ---------------------------------------------------------------------------------


def setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["CELERY_BROKER_URL"] = ""  # nothing this process runs is queued
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    import django

    django.setup()


@dataclass(frozen=True)
class Seeded:
    key: str
    probe_ids: tuple[int, ...]
    workflow_ids: tuple[int, ...]


def seed() -> Seeded:
    from decimal import Decimal

    from continuity.models import APIKey, Customer, Workflow
    from incidents.models import Probe

    customer = Customer.objects.create(slug="bench", name="Bench Corp", timezone="UTC")
    probes, workflows = [], []
    for n in range(WORKFLOWS):
        workflow = Workflow.objects.create(
            customer=customer,
            name=f"Workflow {n:02d}",
            criticality=1 + n % 3,
            cost_per_minute=Decimal("25.00"),
            users_affected=100,
            rto_minutes=15,
            upstream_dependency="OpenAI API",
        )
        probe = Probe.objects.create(
            workflow=workflow,
            name=f"probe-{n:02d}",
            kind="external",
            interval_seconds=INTERVAL_SECONDS,
            locations=list(LOCATIONS),
            quorum=2,
            degraded_latency_ms=DEGRADED_LATENCY_MS,
        )
        workflows.append(workflow.pk)
        probes.append(probe.pk)
    _, key = APIKey.generate(name="bench ingest", scopes=["ingest", "read"], customer=customer)
    return Seeded(key=key, probe_ids=tuple(probes), workflow_ids=tuple(workflows))


def reset_results(bench_url: str) -> None:
    """Back to the seeded state: no results, outages or derivation bookkeeping."""
    import psycopg

    with psycopg.connect(bench_url) as conn:
        conn.execute(
            "TRUNCATE incidents_proberesult, incidents_outage, incidents_nodataspan "
            "RESTART IDENTITY CASCADE"
        )
        conn.execute(
            "UPDATE incidents_probe SET derivation_pending = false, "
            "derivation_pending_since = NULL, first_observed_at = NULL, last_observed_at = NULL"
        )
        conn.execute("UPDATE continuity_workflow SET derived_at = NULL, current_state = 'no_data'")


def seconds_until_derived(bench_url: str, timeout: float = 120.0) -> float:
    """How long after now until every result is derived and committed.

    A derivation clears its probes' flags first, then derives holding its workflow's row
    lock: so, once no probe is flagged, taking every workflow's lock waits for derivations
    still running. Twice, 20 ms apart, in case one had claimed but not yet locked.
    """
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(bench_url, autocommit=True) as conn:
        for _ in range(2):
            while pending_derivations(conn):
                if time.perf_counter() - started > timeout:
                    sys.exit(f"probes still pending derivation after {timeout:.0f} s")
                time.sleep(0.02)
            time.sleep(0.02)
            with conn.transaction():
                conn.execute("SELECT id FROM continuity_workflow FOR UPDATE")
    return time.perf_counter() - started


def pending_derivations(conn) -> int:
    """Probes still flagged for derivation: the poll reads nothing else (a count of the
    results would time the count itself on a large table)."""
    return conn.execute("SELECT count(*) FROM incidents_probe WHERE derivation_pending").fetchone()[
        0
    ]


def counts(bench_url: str) -> tuple[int, int, int]:
    """(results stored, outages, probes still pending derivation)."""
    import psycopg

    with psycopg.connect(bench_url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM incidents_proberesult),"
            " (SELECT count(*) FROM incidents_outage),"
            " (SELECT count(*) FROM incidents_probe WHERE derivation_pending)"
        ).fetchone()


# --- generated results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    probe_id: int
    location: str
    observed_at: datetime
    outcome: str
    latency_ms: int | None
    status_code: int | None
    error: str
    client_id: str

    def as_json(self) -> dict:
        item = {
            "probe": self.probe_id,
            "location": self.location,
            "observed_at": self.observed_at.isoformat(),
            "outcome": self.outcome,
            "latency_ms": self.latency_ms,
            "status_code": self.status_code,
            "id": self.client_id,
        }
        if self.error:
            item["error"] = self.error
        return item


def generate(total: int, probe_ids: tuple[int, ...], now: datetime, seed: int) -> list[Row]:
    """One result per probe and location per minute, oldest first, the last a minute ago."""
    rng = random.Random(seed)
    per_minute = len(probe_ids) * len(LOCATIONS)
    minutes = -(-total // per_minute)
    start = (now - timedelta(minutes=minutes + 1)).replace(second=0, microsecond=0)
    # Per probe: down runs of 3-20 minutes at 2 or 3 locations, about one per 8 hours.
    outages: dict[int, list[tuple[int, int, frozenset[str]]]] = {}
    for probe_id in probe_ids:
        spans, minute = [], rng.randrange(60, 480)
        while minute < minutes:
            length = rng.randrange(3, 21)
            where = frozenset(rng.sample(LOCATIONS, rng.choice((2, 3))))
            spans.append((minute, minute + length, where))
            minute += length + rng.randrange(240, 720)
        outages[probe_id] = spans
    rows: list[Row] = []
    for minute in range(minutes):
        for probe_id in probe_ids:
            for offset, location in enumerate(LOCATIONS):
                if len(rows) == total:
                    return rows
                at = start + timedelta(minutes=minute, seconds=offset * 15)
                down = any(
                    lo <= minute < hi and location in where for lo, hi, where in outages[probe_id]
                )
                roll = rng.random()
                if down or roll < 0.005:  # a real outage, or a lone blip below threshold
                    row = Row(probe_id, location, at, "down", None, 503, "HTTP 503", "")
                elif roll < 0.03:
                    latency = rng.randrange(DEGRADED_LATENCY_MS + 1, 8_000)
                    row = Row(probe_id, location, at, "up", latency, 200, "", "")
                else:
                    row = Row(probe_id, location, at, "up", rng.randrange(80, 600), 200, "", "")
                rows.append(Row(**{**row.__dict__, "client_id": f"{probe_id}-{location}-{minute}"}))
    return rows


# --- the three ways in ------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    seconds: float
    latencies: list[float]  # per batch, in batch order

    def median_ms(self, part: slice) -> float:
        chosen = sorted(self.latencies[part])
        return 1000 * chosen[len(chosen) // 2]

    def trend(self) -> str:
        """Median request time of the first and the last tenth of the batches."""
        tenth = max(1, len(self.latencies) // 10)
        first, last = self.median_ms(slice(0, tenth)), self.median_ms(slice(-tenth, None))
        return f"batch p50 {first:.0f} ms first 10% -> {last:.0f} ms last 10%"


def post_all(base_url: str, key: str, bodies: list[bytes], clients: int) -> Posted:
    """POST every pre-encoded batch, ``clients`` keep-alive connections in parallel."""
    import httpx

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    errors: list[str] = []
    latencies = [0.0] * len(bodies)
    next_index = iter(range(len(bodies)))
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=300) as client:
            while not errors:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                sent = time.perf_counter()
                response = client.post("/api/v1/probe-results/", content=bodies[index])
                latencies[index] = time.perf_counter() - sent
                if response.status_code != 201:
                    errors.append(
                        f"batch {index}: HTTP {response.status_code} {response.text[:300]}"
                    )

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError("ingestion failed: " + "; ".join(errors[:3]))
    return Posted(elapsed, latencies)


def api_run(env: dict[str, str], key: str, bodies: list[bytes], clients: int) -> Posted:
    from tests.live import serve_wsgi

    # gthread keeps connections alive (gunicorn's sync worker closes each one).
    extra = ("--worker-class", "gthread", "--keep-alive", "30")
    with serve_wsgi(env, workers=2, threads=1, extra_args=extra) as base_url:
        return post_all(base_url, key, bodies, clients)


def copy_rows(bench_url: str, rows: list[Row]) -> float:
    import psycopg

    received = datetime.now(UTC)
    values = [
        (
            r.probe_id,
            r.location,
            r.observed_at,
            r.outcome,
            r.latency_ms,
            r.status_code,
            r.error,
            r.client_id,
            received,
        )
        for r in rows
    ]
    statement = f"COPY incidents_proberesult ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with psycopg.connect(bench_url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
        conn.commit()
        return time.perf_counter() - started


def derive_all(workflow_ids: tuple[int, ...]) -> float:
    from django.db import connection

    from incidents import services

    started = time.perf_counter()
    for workflow_id in workflow_ids:
        services.workflow_derive_outages(workflow_id=workflow_id)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def sweep() -> tuple[float, int]:
    from django.db import connection

    from incidents.tasks import sweep_derivations

    started = time.perf_counter()
    swept = sweep_derivations()  # the task body, run here as the worker would run it
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, swept


# --- report -----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    bench_url, admin_url = bench_database_url("_bench")
    use_local_http()
    wall = time.perf_counter()
    recreate_database(bench_url, admin_url)
    setup_django(bench_url)
    seeded = seed()
    from django.db import connection

    connection.close()

    rows = generate(args.results, seeded.probe_ids, datetime.now(UTC), args.seed)
    bodies = [
        json.dumps({"results": [row.as_json() for row in rows[i : i + args.batch]]}).encode()
        for i in range(0, len(rows), args.batch)
    ]
    span = rows[-1].observed_at - rows[0].observed_at
    print(
        f"{len(rows):,} results, {len(bodies)} batches of {args.batch}, {WORKFLOWS} workflows, "
        f"{len(LOCATIONS)} locations, spanning {span.total_seconds() / 3600:.1f} h; "
        f"{sum(r.outcome == 'down' for r in rows):,} down"
    )
    server_env = {
        "DATABASE_URL": bench_url,
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
    }
    table: list[Line] = []
    copy_rates: list[float] = []

    # 1. API with derivation inline (eager Celery, no broker).
    eager_env = {**server_env, "CELERY_BROKER_URL": "", "CELERY_TASK_ALWAYS_EAGER": "1"}
    api = api_run(eager_env, seeded.key, bodies, args.clients)
    lag = seconds_until_derived(bench_url)
    stored, outages_api, _ = counts(bench_url)
    assert stored == len(rows), f"stored {stored} of {len(rows)}"
    rederive = derive_all(seeded.workflow_ids)
    assert counts(bench_url)[1] == outages_api, "re-deriving changed the outages"
    table.append(Line("API, derivation inline (eager)", api.seconds, api.trend(), len(rows)))
    table.append(Line("  then until no probe is pending", lag, f"{outages_api} outages"))
    table.append(Line("  re-derive all workflows (full)", rederive, f"{WORKFLOWS} workflows"))

    # 2. API with derivation deferred to the sweep (queueing fails fast on a dead broker).
    if not args.no_deferred:
        reset_results(bench_url)
        deferred_env = {
            **server_env,
            "CELERY_BROKER_URL": DEAD_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        deferred = api_run(deferred_env, seeded.key, bodies, args.clients)
        stored, outages, pending = counts(bench_url)
        assert (stored, outages, pending) == (len(rows), 0, WORKFLOWS), (stored, outages, pending)
        sweep_seconds, swept = sweep()
        _, outages_swept, pending = counts(bench_url)
        assert pending == 0 and outages_swept == outages_api, (pending, outages_swept)
        trend = deferred.trend()
        table.append(Line("API, derivation deferred", deferred.seconds, trend, len(rows)))
        note = f"{swept} workflows, {outages_swept} outages"
        table.append(Line("  then one sweep", sweep_seconds, note))

    # 3. Rounds of: the API with a real Celery worker (Redis), timed until every result is
    # derived, then COPY of the same rows; each round's ratio is against its own COPY.
    worker_ratios: list[float] = []
    for round_number in range(1, args.rounds + 1):
        worker_rate = None
        if args.worker_broker:
            seconds, note = worker_round(args, server_env, seeded, bodies, bench_url)
            assert counts(bench_url)[1] == outages_api, "the worker derived other outages"
            label = f"API + worker, round {round_number}"
            table.append(Line(label, seconds, note, len(rows), copy_round=round_number))
            worker_rate = len(rows) / seconds
        reset_results(bench_url)
        copy_seconds = copy_rows(bench_url, rows)
        assert counts(bench_url)[0] == len(rows)
        copy_rates.append(len(rows) / copy_seconds)
        table.append(Line(f"COPY FROM STDIN, round {round_number}", copy_seconds, "", len(rows)))
        if worker_rate is not None:
            worker_ratios.append(worker_rate / copy_rates[-1])
    derive_seconds = derive_all(seeded.workflow_ids)
    outages_copy = counts(bench_url)[1]
    assert outages_copy == outages_api, (outages_copy, outages_api)
    table.append(Line("  then derive all workflows", derive_seconds, f"{outages_copy} outages"))

    copy_rate = statistics.median(copy_rates)
    print()
    print(f"{'path':<34} {'results':>9} {'seconds':>9} {'results/s':>10} {'vs COPY':>8}  note")
    for line in table:
        print(line.render(copy_rates[line.copy_round - 1] if line.copy_round else copy_rate))
    print()
    print(
        f"API/COPY, derivation inline (in the request): {len(rows) / api.seconds / copy_rate:.3f} "
        f"(against the median COPY); batch {args.batch}, {args.clients} client(s), "
        f"gunicorn 2 workers; total {time.perf_counter() - wall:.0f} s"
    )
    if worker_ratios:
        median = statistics.median(worker_ratios)
        verdict = "met" if median >= TARGET_RATIO else "NOT met"
        each = ", ".join(f"{ratio:.3f}" for ratio in worker_ratios)
        print(
            f"API/COPY with a Celery worker, until every result is derived: median {median:.3f} "
            f"of {len(worker_ratios)} rounds ({each}); target {TARGET_RATIO}: {verdict}"
        )


@dataclass(frozen=True)
class Line:
    """A row of the printed table; `results` None for a timing that is not a rate."""

    label: str
    seconds: float
    note: str
    results: int | None = None
    copy_round: int | None = None  # whose COPY rate the ratio is against (else the median)

    def render(self, copy_rate: float) -> str:
        if self.results is None:
            return f"{self.label:<34} {'':>9} {self.seconds:>9.2f} {'':>10} {'':>8}  {self.note}"
        rate = self.results / self.seconds
        ratio = "1" if self.label.startswith("COPY") else f"{rate / copy_rate:.3f}"
        return (
            f"{self.label:<34} {self.results:>9,} {self.seconds:>9.2f} {rate:>10,.0f} "
            f"{ratio:>8}  {self.note}"
        )


def worker_round(args, server_env: dict, seeded: Seeded, bodies: list[bytes], bench_url: str):
    """Post everything with a Celery worker running; seconds until all derived, and a note."""
    from tests.live import celery_worker, flush_redis

    reset_results(bench_url)
    flush_redis(args.worker_broker)
    worker_env = {
        **server_env,
        "CELERY_BROKER_URL": args.worker_broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    os.environ["CELERY_BROKER_URL"] = args.worker_broker  # what the readiness ping uses
    try:
        with celery_worker(worker_env, loglevel="WARNING"):
            posted = api_run(worker_env, seeded.key, bodies, args.clients)
            drained = seconds_until_derived(bench_url)
    finally:
        os.environ["CELERY_BROKER_URL"] = ""
    note = f"posting {posted.seconds:.2f} s, then {drained:.2f} s to drain"
    return posted.seconds + drained, note


if __name__ == "__main__":
    main()
