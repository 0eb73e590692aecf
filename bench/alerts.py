"""The alert sweep (`rto.*`, `budget.burn`) against its own floor: the month-to-date figures
and burn rates it needs, computed by the same selector `/metrics` uses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_bench_alerts \\
        .venv/bin/python bench/alerts.py [--workflows 2000] [--outages 4] [--customers 50]

Drops and re-creates the bench database (its name must end in ``_bench_alerts``), seeds the
customers (each with a webhook endpoint), workflows and outages over the last three days
(one open outage in ten workflows), then times:

1. the reference: ``workflows_month_to_date`` for the same workflows (figures and burn rates);
2. the first sweep, which finds every crossing and owes its events (rows written, deliveries
   queued to an in-memory broker, nothing sent);
3. a steady sweep right after, which owes nothing new.
"""

from __future__ import annotations

import argparse
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

SUFFIX = "_bench_alerts"
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


def seed(workflows: int, outages: int, customers: int) -> None:
    from continuity.models import Customer, EventEndpoint, SLAPolicy, Workflow
    from incidents.models import Outage

    rng = random.Random(7)
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.9"))
    made = Customer.objects.bulk_create(
        Customer(slug=f"c{i}", name=f"Customer {i}", timezone="Europe/Berlin", sla_policy=policy)
        for i in range(customers)
    )
    EventEndpoint.objects.bulk_create(
        EventEndpoint(customer=customer, url=f"https://hooks.example/{customer.slug}")
        for customer in made
    )
    flows = Workflow.objects.bulk_create(
        Workflow(customer=made[i % customers], name=f"wf {i}", rto_minutes=60)
        for i in range(workflows)
    )
    rows = []
    for index, workflow in enumerate(flows):
        for _ in range(outages):
            start = NOW - timedelta(minutes=rng.randrange(120, 3 * 24 * 60))
            end = start + timedelta(minutes=rng.randrange(1, 90))
            rows.append(Outage(workflow=workflow, started_at=start, ended_at=end, severity="down"))
        if index % 10 == 0:
            rows.append(
                Outage(workflow=workflow, started_at=NOW - timedelta(minutes=55), severity="down")
            )
    Outage.objects.bulk_create(rows, batch_size=10_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", type=int, default=2000)
    parser.add_argument("--outages", type=int, default=4)
    parser.add_argument("--customers", type=int, default=50)
    args = parser.parse_args()

    url, admin = bench_database_url(SUFFIX)
    use_local_http()
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_BROKER_URL"] = "memory://"  # deliveries are queued, never sent
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    recreate_database(url, admin)
    import django

    django.setup()
    from continuity.models import EventDelivery, Workflow
    from reports.services.alerts import alerts_sweep
    from reports.sla_selectors import workflows_month_to_date

    started = time.perf_counter()
    seed(args.workflows, args.outages, args.customers)
    print(f"seeded {args.workflows} workflows in {time.perf_counter() - started:.1f}s")

    flows = list(Workflow.objects.select_related("customer", "customer__sla_policy", "sla_policy"))
    started = time.perf_counter()
    workflows_month_to_date(workflows=flows, now=NOW)
    reference = time.perf_counter() - started

    started = time.perf_counter()
    first = alerts_sweep(now=NOW)
    crossing = time.perf_counter() - started
    owed = EventDelivery.objects.count()

    started = time.perf_counter()
    steady = alerts_sweep(now=NOW + timedelta(seconds=30))
    quiet = time.perf_counter() - started

    print(f"\n{'what':<58} {'seconds':>9} {'x ref':>7}")
    for label, seconds in (
        (f"workflows_month_to_date, {len(flows)} workflows (reference)", reference),
        (f"first sweep: {first.emitted} events owed ({owed} rows)", crossing),
        (f"steady sweep: {steady.emitted} events owed", quiet),
    ):
        print(f"{label:<58} {seconds:>9.3f} {seconds / reference:>7.2f}")


if __name__ == "__main__":
    main()
