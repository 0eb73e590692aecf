"""Report rendering and the monthly run, measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_bench_reports \\
        CELERY_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/reports.py \\
        [--customers 500] [--workers 2]

Drops and re-creates the bench database (its name must end in ``_bench_reports``), then:

1. renders the October 2026 report of one customer with 50 workflows and 300 outages,
   in-process, and prints its time, pages and pages per second next to the time of the
   SLA figures alone (the part every report shares with the API);
2. seeds ``--customers`` customers (3 workflows, 6 outages each) and runs the monthly run
   through ``--workers`` real Celery workers (Redis broker, emails to files), timing from
   the first queued report to the last one sent.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import bench_database_url, recreate_database, use_local_http  # noqa: E402

SUFFIX = "_bench_reports"
AFTER_OCTOBER = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def seed_customer(slug: str, workflows: int, outages: int, rng: random.Random):
    from continuity.models import CreditTier, Customer, SLAPolicy, Workflow
    from incidents.models import Outage

    policy = SLAPolicy.objects.create(name=f"{slug} policy", target_pct=Decimal("99.9"))
    CreditTier.objects.create(policy=policy, below_pct=Decimal("99.9"), credit_pct=Decimal(10))
    customer = Customer.objects.create(
        slug=slug,
        name=f"{slug} 株式会社",
        timezone="Europe/Berlin",
        report_recipients=[f"ops@{slug}.example"],
        sla_policy=policy,
    )
    flows = Workflow.objects.bulk_create(
        Workflow(customer=customer, name=f"Workflow {i}", cost_per_minute=Decimal("9.5"))
        for i in range(workflows)
    )
    month = datetime(2026, 10, 1, tzinfo=UTC)
    Outage.objects.bulk_create(
        Outage(
            workflow=flows[i % workflows],
            started_at=(start := month + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))),
            ended_at=start + timedelta(minutes=rng.randrange(1, 120)),
            severity=rng.choice(["down", "down", "degraded"]),
            source="probe",
            root_cause="Upstream provider returned 503" if i % 3 == 0 else "",
        )
        for i in range(outages)
    )
    return customer


def render_one() -> None:
    import time_machine

    from reports import services
    from reports.periods import parse_month
    from reports.sla_selectors import customer_sla

    rng = random.Random(1)
    customer = seed_customer("big", 50, 300, rng)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        started = time.perf_counter()
        customer_sla(customer=customer, period=parse_month("2026-10", customer.timezone))
        figures_only = time.perf_counter() - started
        report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
        started = time.perf_counter()
        report = services.report_render(report_id=report.pk)
        rendered = time.perf_counter() - started
    print("\n1. one report: 50 workflows, 300 outages")
    print(f"   SLA figures only          {figures_only:8.2f} s")
    print(
        f"   figures + PDF render      {rendered:8.2f} s   {report.page_count} pages, "
        f"{report.page_count / rendered:.1f} pages/s, {report.pdf.size / 1024:.0f} KiB"
    )


def monthly_run(customers: int, workers: int, url: str) -> None:
    from contextlib import ExitStack

    from django.db.models import Sum

    from reports import services
    from reports.models import Report
    from tests.live import celery_worker, flush_redis, wait_until

    rng = random.Random(2)
    for index in range(customers):
        seed_customer(f"c{index:04d}", 3, 6, rng)
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    flush_redis(broker)
    mail_dir = tempfile.mkdtemp(prefix="bench-mail-")
    env = {
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "CONTINUITY_VAR_DIR": mail_dir,
        "MEDIA_ROOT": os.environ["MEDIA_ROOT"],
    }
    from continuity.celery import app

    app.conf.broker_url = broker
    app.conf.task_always_eager = False
    with ExitStack() as stack:
        for _ in range(workers):
            stack.enter_context(celery_worker(env, loglevel="WARNING"))
        started = time.perf_counter()
        services.reports_monthly_run(now=AFTER_OCTOBER)
        wait_until(
            lambda: Report.objects.filter(state="sent").count() >= customers,
            timeout=1800,
            interval=1.0,
            message="every report sent",
        )
        elapsed = time.perf_counter() - started
    sent = Report.objects.filter(state="sent").exclude(customer__slug="big")
    pages = sent.aggregate(pages=Sum("page_count"))["pages"] or 0
    # Django's file backend appends to one file per backend and second, so count messages.
    mails = sum(
        path.read_text(errors="replace").count("\nMessage-ID: ")
        for path in Path(mail_dir, "mail").glob("*")
    )
    print(f"\n2. monthly run: {customers} customers, {workers} workers")
    print(
        f"   {sent.count()} reports sent in {elapsed:.1f} s: {sent.count() / elapsed:.1f} "
        f"reports/s, {pages / elapsed:.1f} pages/s ({pages} pages); {mails} emails written"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url, admin = bench_database_url(SUFFIX)
    use_local_http()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    recreate_database(url, admin)
    import django

    django.setup()
    render_one()
    monthly_run(args.customers, args.workers, url)


if __name__ == "__main__":
    main()
