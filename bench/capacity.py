"""The per-core rates docs/scaling.md builds its capacity model on, each next to a reference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_capacity \\
        .venv/bin/python bench/capacity.py [--seconds 15] [--rows 1000000]

In a throw-away database (its name ends in ``_capacity``), seeded with probes of the shape
the model is about (5 locations, every 30 s):

1. **single-result POSTs**: ``--clients`` (16) keep-alive connections each POST one result at
   a time for ``--seconds`` against gunicorn (2 sync workers, the settings as shipped, and
   derivation queued to ``--broker`` as in production, no worker); the reference is
   ``GET /api/v1/`` (the API root) on the same server with the same clients.
2. **derivations**: every workflow gets one new round of results (one per location), then
   ``workflow_derive_outages`` runs for each, in this one process (one core, one Celery
   worker process), for several rounds; the reference is one plain ``SELECT`` of the rows a
   derivation reads (its look-back window) per workflow.
3. **storage**: ``--rows`` results generated in SQL (mostly up, some down and slow), then
   ``VACUUM ANALYZE``; bytes per row of the table with its indexes, of the heap alone and
   of the WAL the insert wrote (``EXPLAIN (ANALYZE, WAL)``), next to the average size of
   the row's own data (``pg_column_size``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import bench_database_url, recreate_database, use_local_http  # noqa: E402

LOCATIONS = ("eu-west", "us-east", "ap-south", "us-west", "sa-east")
INTERVAL_SECONDS = 30
WORKFLOWS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="per HTTP measurement")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10, help="derivation rounds")
    parser.add_argument("--rows", type=int, default=1_000_000, help="results for storage")
    parser.add_argument(
        "--broker", default="redis://127.0.0.1:6379/12", help="Redis the web workers queue to"
    )
    parser.add_argument("--parts", default="http,derive,storage", help="which measurements")
    return parser.parse_args()


def setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    import django

    django.setup()


def seed(workflows: int) -> tuple[str, list[int], list[int]]:
    from continuity.models import APIKey, Customer, Workflow
    from incidents.models import Probe

    customer = Customer.objects.create(slug="capacity", name="Capacity", timezone="UTC")
    probe_ids, workflow_ids = [], []
    for n in range(workflows):
        workflow = Workflow.objects.create(
            customer=customer,
            name=f"Workflow {n:03d}",
            criticality=1,
            cost_per_minute=Decimal("10.00"),
            users_affected=10,
            rto_minutes=15,
        )
        probe = Probe.objects.create(
            workflow=workflow,
            name=f"probe-{n:03d}",
            kind="external",
            interval_seconds=INTERVAL_SECONDS,
            locations=list(LOCATIONS),
            quorum=3,
        )
        workflow_ids.append(workflow.pk)
        probe_ids.append(probe.pk)
    _, key = APIKey.generate(name="capacity", scopes=["ingest", "read"], customer=customer)
    return key, probe_ids, workflow_ids


# --- 1. single-result POSTs --------------------------------------------------------------------


def hammer(base_url: str, key: str, clients: int, seconds: float, post: bool, probes: list[int]):
    """Requests from ``clients`` keep-alive connections for ``seconds``: (count, latencies)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    start = datetime.now(UTC) - timedelta(days=1)

    def run(worker: int) -> None:
        mine: list[float] = []
        n = 0
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                if post:
                    observed = start + timedelta(milliseconds=n * clients + worker)
                    body = {
                        "probe": probes[(worker + n) % len(probes)],
                        "location": LOCATIONS[worker % len(LOCATIONS)],
                        "observed_at": observed.isoformat(),
                        "outcome": "up",
                        "latency_ms": 120,
                        "status_code": 200,
                        "id": f"{worker}-{n}",
                    }
                    response = client.post("/api/v1/probe-results/", json={"results": [body]})
                    ok = response.status_code in (200, 201)
                else:
                    response = client.get("/api/v1/")
                    ok = response.status_code == 200
                if not ok:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    return
                mine.append(time.perf_counter() - began)
                n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("requests failed: " + "; ".join(errors[:3]))
    return len(latencies), latencies


def http_rates(key: str, probes: list[int], clients: int, seconds: float, broker: str) -> None:
    from tests.live import flush_redis, serve_wsgi

    # As in production: derivation is queued for a worker (none runs here), not done inline.
    env = {**os.environ, "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0"}
    flush_redis(broker)
    with serve_wsgi(env, workers=2, threads=1) as base_url:
        hammer(base_url, key, clients, 2.0, True, probes)  # warm up both workers
        rows = []
        for label, post in (("GET /api/v1/ (reference)", False), ("POST one result", True)):
            count, latencies = hammer(base_url, key, clients, seconds, post, probes)
            latencies.sort()
            rows.append(
                (
                    label,
                    count / seconds,
                    1000 * latencies[len(latencies) // 2],
                    1000 * latencies[int(len(latencies) * 0.99)],
                )
            )
    reference = rows[0][1]
    print(f"\n1. HTTP, gunicorn 2 sync workers, {clients} connections, {seconds:.0f} s each")
    print(f"{'request':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs root':>8}")
    for label, rate, p50, p99 in rows:
        print(f"{label:28} {rate:8.1f} {p50:8.1f} {p99:8.1f} {rate / reference:8.2f}")
    print(f"per web worker (2 workers, 2 cores): {rows[1][1] / 2:.1f} single-result POSTs/s")
    flush_redis(broker)


# --- 2. derivations -----------------------------------------------------------------------------


def derivation_rates(bench_url: str, probes: list[int], workflows: list[int], rounds: int):
    import psycopg
    from django.conf import settings
    from django.db import connection

    from incidents import services

    now = datetime.now(UTC)
    history = int(settings.DERIVATION_LOOKBACK.total_seconds() // INTERVAL_SECONDS) * 2
    first = now - timedelta(seconds=INTERVAL_SECONDS * (history + rounds + 1))

    def insert_round(conn, at: datetime, down: bool) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO incidents_proberesult (probe_id, location, observed_at, outcome,"
                " latency_ms, status_code, error, received_at) VALUES (%s,%s,%s,%s,%s,%s,'',now())",
                [
                    (
                        p,
                        loc,
                        at,
                        "down" if down else "up",
                        None if down else 150,
                        503 if down else 200,
                    )
                    for p in probes
                    for loc in LOCATIONS
                ],
            )
            cursor.execute(
                "UPDATE incidents_probe SET derivation_pending = true,"
                " derivation_pending_since = %s WHERE id = ANY(%s)",
                [at, probes],
            )

    with psycopg.connect(bench_url, autocommit=True) as conn:
        for n in range(history):
            insert_round(conn, first + timedelta(seconds=INTERVAL_SECONDS * n), n % 40 < 4)
        for workflow_id in workflows:
            services.workflow_derive_outages(workflow_id=workflow_id)
        derive_times, select_times = [], []
        for r in range(rounds):
            at = first + timedelta(seconds=INTERVAL_SECONDS * (history + r))
            insert_round(conn, at, r % 5 == 0)
            began = time.perf_counter()
            for workflow_id in workflows:
                services.workflow_derive_outages(workflow_id=workflow_id)
            derive_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for probe_id in probes:
                    cursor.execute(
                        "SELECT location, observed_at, outcome, latency_ms FROM "
                        "incidents_proberesult WHERE probe_id = %s AND observed_at >= %s",
                        [probe_id, at - settings.DERIVATION_LOOKBACK],
                    )
                    cursor.fetchall()
            select_times.append(time.perf_counter() - began)
    derive, select = statistics.median(derive_times), statistics.median(select_times)
    n = len(workflows)
    print(
        f"\n2. Derivation, one process, {n} workflows x {len(LOCATIONS)} locations, {rounds} rounds"
    )
    print(f"derive every workflow after one new round: median {derive:.3f} s = {n / derive:.0f}/s")
    print(f"reference, SELECT of each look-back window: median {select:.3f} s = {n / select:.0f}/s")
    print(f"derivation / plain SELECT: {derive / select:.1f}x")


# --- 3. storage ---------------------------------------------------------------------------------


def storage(bench_url: str, probes: list[int], rows: int) -> None:
    import psycopg

    per_round = len(probes) * len(LOCATIONS)
    rounds = -(-rows // per_round)
    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute("TRUNCATE incidents_proberesult CASCADE")
        began = time.perf_counter()
        [[plan]] = conn.execute(
            """EXPLAIN (ANALYZE, WAL, FORMAT JSON)
            INSERT INTO incidents_proberesult (probe_id, location, observed_at, outcome,
                latency_ms, status_code, error, client_id, received_at)
            SELECT p.id, l.location, t.at + l.n * interval '5 seconds',
                   CASE WHEN random() < 0.01 THEN 'down' ELSE 'up' END,
                   (80 + random() * 900)::int, 200, '',
                   md5(p.id::text || l.location || t.at::text), t.at + interval '1 second'
            FROM generate_series(now() - %s * interval '30 seconds', now(), interval '30 seconds')
                 WITH ORDINALITY AS t(at, i)
            CROSS JOIN unnest(%s::bigint[]) AS p(id)
            CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS l(location, n)
            WHERE t.i <= %s""",
            [rounds, probes, list(LOCATIONS), rounds],
        ).fetchall()
        loaded = time.perf_counter() - began
        wal_bytes = plan[0]["Plan"].get("WAL Bytes", 0)
        conn.execute("VACUUM ANALYZE incidents_proberesult")
        count, total, heap, indexes, data = conn.execute(
            """SELECT count(*), pg_total_relation_size('incidents_proberesult'),
                      pg_relation_size('incidents_proberesult'),
                      pg_indexes_size('incidents_proberesult'),
                      (SELECT avg(pg_column_size(r.*)) FROM incidents_proberesult r)
               FROM incidents_proberesult"""
        ).fetchone()
    print(f"\n3. Storage, {count:,} results loaded in SQL in {loaded:.1f} s (client_id set)")
    print(f"table + indexes + TOAST: {total / count:6.1f} bytes/result ({total / 2**20:,.0f} MiB)")
    print(f"heap alone:              {heap / count:6.1f} bytes/result")
    print(f"indexes:                 {indexes / count:6.1f} bytes/result")
    print(f"WAL written by the load: {wal_bytes / count:6.1f} bytes/result")
    print(f"reference, row data (pg_column_size): {float(data):6.1f} bytes/result")


def main() -> None:
    args = parse_args()
    bench_url, admin_url = bench_database_url("_capacity")
    use_local_http()
    recreate_database(bench_url, admin_url)
    setup_django(bench_url)
    key, probes, workflows = seed(WORKFLOWS)
    from django.db import connection

    connection.close()
    parts = set(args.parts.split(","))
    if "http" in parts:
        http_rates(key, probes, args.clients, args.seconds, args.broker)
    if "derive" in parts:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE incidents_proberesult CASCADE")
        derivation_rates(bench_url, probes, workflows, args.rounds)
    if "storage" in parts:
        storage(bench_url, probes, args.rows)


if __name__ == "__main__":
    main()
