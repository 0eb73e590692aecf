"""API latency under 32 concurrent connections, each list next to the API root on the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_cache \\
        .venv/bin/python bench/api_latency.py [--seconds 10] [--connections 32]

Drops and re-creates the bench database (its name always ends in ``_bench``), seeds one
customer with 20 workflows and 10,000 outages (the last year, a few hundred of them in the
running month), starts gunicorn with 2 workers and the settings as shipped (nothing tuned
here but the bench's own request limit), and for each endpoint keeps 32 connections busy
for ``--seconds`` (after a one-second warm-up), right after half as long on the API root
``/api/v1/``, and prints p50 and p99 of both and the ratio of the endpoint's p99 to the
root's measured just before it (adjacent, so a shared machine's drift shifts both alike).
Targets (issue 14): at most 3x for the lists and for ``sla/`` of a closed month.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import bench_database_url, recreate_database, use_local_http  # noqa: E402

SUFFIX = "_bench"
WORKFLOWS = 20
OUTAGES = 10_000
ZONE = "Europe/Berlin"


def seed(now: datetime) -> tuple[str, str]:
    """(API key, customer slug)."""
    from django.db import connection

    from continuity.models import APIKey, CreditTier, Customer, SLAPolicy, Workflow
    from incidents.models import Outage
    from reports.periods import month_containing

    rng = random.Random(14)
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.9"))
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99.9"), credit_pct=Decimal(10))
    customer = Customer.objects.create(slug="bench", name="Bench", timezone=ZONE, sla_policy=policy)
    flows = Workflow.objects.bulk_create(
        Workflow(
            customer=customer,
            name=f"Workflow {n:02d}",
            cost_per_minute=Decimal("12.5"),
            users_affected=100,
            upstream_dependency="OpenAI API" if n % 2 else "",
        )
        for n in range(WORKFLOWS)
    )
    running = month_containing(now, ZONE)
    in_running = 300
    year_ago = running.start - timedelta(days=365)
    rows = []
    for n in range(OUTAGES):
        lower, upper = (running.start, now) if n < in_running else (year_ago, running.start)
        span = int((upper - lower).total_seconds()) - 4 * 3600
        start = lower + timedelta(seconds=rng.randrange(span))
        rows.append(
            Outage(
                workflow=flows[n % WORKFLOWS],
                started_at=start,
                ended_at=start + timedelta(minutes=rng.randrange(1, 180)),
                severity=rng.choice(["down", "degraded"]),
                source="probe",
            )
        )
    Outage.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have after a load like this
    _, key = APIKey.generate(name="bench reader", scopes=["read"], customer=customer)
    return key, customer.slug


async def load(base: str, path: str, key: str, connections: int, seconds: float) -> list[float]:
    """Latencies (s) of `path` requested back to back on `connections` connections."""
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        latencies: list[float] = []
        failures = 0

        async def worker(until: float, record: bool) -> None:
            nonlocal failures
            while time.perf_counter() < until:
                started = time.perf_counter()
                response = await client.get(path, timeout=60)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    failures += 1
                elif record:
                    latencies.append(elapsed)

        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(worker(warm, False) for _ in range(connections)))
        until = time.perf_counter() + seconds
        await asyncio.gather(*(worker(until, True) for _ in range(connections)))
    if failures:
        sys.exit(f"{path}: {failures} responses were not 200")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    url, admin = bench_database_url(SUFFIX)
    use_local_http()
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    recreate_database(url, admin)
    import django

    django.setup()
    import httpx

    from reports.periods import month_containing, previous_month
    from tests.live import serve_wsgi

    now = datetime.now(UTC)
    key, slug = seed(now)
    closed = previous_month(now, ZONE).label
    running = month_containing(now, ZONE).label

    with serve_wsgi(dict(os.environ), workers=2) as base:
        headers = {"Authorization": f"Bearer {key}"}
        deep = httpx.get(f"{base}/api/v1/outages/?page=150", headers=headers).json()
        cursor_path = deep["next"].removeprefix(str(base))
        endpoints = [
            ("workflows/", "/api/v1/workflows/"),
            (f"outages/ ({OUTAGES:,} rows)", "/api/v1/outages/"),
            ("outages/?page=150 (offset 7,450)", "/api/v1/outages/?page=150"),
            ("outages/ by cursor at row 7,500", cursor_path),
            (f"sla/ closed month {closed}", f"/api/v1/sla/?customer={slug}&period={closed}"),
            (f"sla/ running month {running}", f"/api/v1/sla/?customer={slug}&period={running}"),
        ]
        results = []
        for label, path in endpoints:
            root = asyncio.run(load(base, "/api/v1/", key, args.connections, args.seconds / 2))
            latencies = asyncio.run(load(base, path, key, args.connections, args.seconds))
            results.append((label, latencies, root))

    print(
        f"\n{args.connections} connections, {args.seconds:.0f} s each, gunicorn 2 workers, "
        f"settings as shipped; each endpoint right after {args.seconds / 2:.0f} s of the API "
        f"root /api/v1/, its reference"
    )
    print(
        f"{'endpoint':<36} {'req/s':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'root p50':>9} {'root p99':>9} {'p99/root':>9}"
    )
    for label, latencies, root in results:
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        root50, root99 = percentile(root, 0.5), percentile(root, 0.99)
        print(
            f"{label:<36} {len(latencies) / args.seconds:>6.0f} {p50 * 1000:>8.1f} "
            f"{p99 * 1000:>8.1f} {root50 * 1000:>9.1f} {root99 * 1000:>9.1f} {p99 / root99:>9.1f}"
        )


if __name__ == "__main__":
    main()
