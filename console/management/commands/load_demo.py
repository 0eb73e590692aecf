import shutil
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from console import demo
from console.simulated_provider import HOOKS_LOG, STATE_FILE
from continuity.celery import app as celery_app
from continuity.formatting import column, duration, local_time, minutes, money, percent
from continuity.models import Customer
from incidents.models import Outage
from incidents.tasks import sweep_derivations
from reports import impact, services
from reports.figures import availability_note
from reports.models import Report
from reports.periods import Period, month_containing, month_period
from reports.sla_selectors import customer_sla

DEMO_USER = "admin"
DEMO_PASSWORD = "continuity-demo"


def _cents(amount) -> str:
    """The amount as the API states it (to the cent), with thousands separators."""
    return money(impact.money(amount))


class Command(BaseCommand):
    help = (
        "Load the demo (last complete month and the current month to now), derive its "
        "outages, write last month's reports and print a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow resetting a non-SQLite database"
        )
        parser.add_argument(
            "--live-only",
            action="store_true",
            help="only the live workflow on the simulated provider, no simulated history",
        )

    def handle(self, *args, force: bool = False, live_only: bool = False, **options):
        if connection.vendor != "sqlite" and not force:
            raise CommandError(
                "load_demo replaces all data; it runs on the embedded SQLite database "
                "(unset DATABASE_URL) or with --force."
            )
        # Loading runs its tasks in this process: nothing is left queued for `make serve`.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            self.rebuild(live_only)
        finally:
            celery_app.conf.task_always_eager = eager

    def rebuild(self, live_only: bool) -> None:
        call_command("flush", "--noinput", verbosity=0)
        self.reset_files()
        span = demo.DemoSpan.at(timezone.now())
        if live_only:
            northwind = Customer.objects.create(
                slug="northwind",
                name="Northwind Retail GmbH",
                timezone="Europe/Berlin",
                report_recipients=["sla@northwind.example"],
                status_page_enabled=True,
            )
            demo.add_live_workflow(customer=northwind, provider_url=settings.DEMO_PROVIDER_URL)
            self.create_admin()
            self.stdout.write("Loaded the live workflow only.")
            return
        started = time.monotonic()
        customers = demo.load(span)
        loaded = time.monotonic()
        derived_workflows = sweep_derivations()
        demo.add_runbooks_and_fallbacks(span)
        derived = time.monotonic()
        self.stdout.write(
            f"Simulated {span.previous_label} and {span.current_label} up to "
            f"{span.now:%Y-%m-%d %H:%M} UTC: loaded {len(customers)} customers and their probe "
            f"results in {loaded - started:.1f}s; derived outages of {derived_workflows} "
            f"workflows in {derived - loaded:.1f}s.\n"
        )
        for customer in customers:
            self.print_outages(customer)
            previous = month_period(*span.previous, customer.timezone)
            self.print_sla(customer, previous, span.now)
            self.print_sla(customer, month_containing(span.now, customer.timezone), span.now)
            self.print_impact(customer, previous, span.now)
        self.write_reports(span.previous_label, span.now)
        northwind = next(c for c in customers if c.slug == "northwind")
        demo.add_live_workflow(customer=northwind, provider_url=settings.DEMO_PROVIDER_URL)
        self.create_admin()
        self.stdout.write(
            "\nRun `make serve`, then open the console at http://127.0.0.1:8000/console/ "
            f"(login {DEMO_USER} / {DEMO_PASSWORD}); the API docs are at /api/docs/, a "
            "customer's status page at /status/northwind/. Break the simulated AI provider "
            "with `make demo-outage` and heal it with `make demo-recover`.\n"
            f"Database: {settings.DATABASES['default']['NAME']}"
        )

    @staticmethod
    def reset_files() -> None:
        """Last run's mail, reports, queued messages and provider state go with its data."""
        shutil.rmtree(settings.VAR_DIR / "mail", ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT / "reports", ignore_errors=True)
        if settings.EMBEDDED_BROKER:
            for message in (settings.BROKER_DIR / "queue").glob("*"):
                message.unlink(missing_ok=True)
        (settings.VAR_DIR / STATE_FILE).unlink(missing_ok=True)
        (settings.VAR_DIR / HOOKS_LOG).unlink(missing_ok=True)

    def print_outages(self, customer) -> None:
        tz = customer.timezone
        self.stdout.write(self.style.MIGRATE_HEADING(f"{customer.name} ({tz})"))
        outages = (
            Outage.objects.filter(workflow__customer=customer)
            .select_related("workflow")
            .order_by("started_at")
        )
        self.stdout.write(
            f"  {'workflow':<34} {'start':<21} {'end':<21} {'duration':>11}  severity"
        )
        for outage in outages:
            end = local_time(outage.ended_at, tz) if outage.ended_at else "open"
            seconds = ((outage.ended_at or outage.started_at) - outage.started_at).total_seconds()
            self.stdout.write(
                f"  {column(outage.workflow.name, 34)} {local_time(outage.started_at, tz):<21} "
                f"{end:<21} {duration(seconds):>11}  {outage.severity}"
            )
        self.stdout.write("")

    def print_sla(self, customer, period: Period, now) -> None:
        report = customer_sla(customer=customer, period=period, now=now)
        to_date = f", to {local_time(now, customer.timezone)}" if period.end > now else ""
        self.stdout.write(
            f"  SLA {period.label} ({customer.timezone}, {minutes(period.seconds)} minutes"
            f"{to_date})"
        )
        self.stdout.write(
            f"  {'workflow':<34} {'target':>7} {'avail.':>8} {'met':>4} {'down':>8} "
            f"{'degr.':>7} {'maint.':>7} {'nodata':>7} {'cover.':>7} {'credit':>7}"
        )
        for row in report.workflows:
            f = row.figures
            self.stdout.write(
                f"  {column(row.inputs.workflow.name, 34)} {percent(f.target_pct):>7} "
                f"{f.availability_display or '—':>8} {'yes' if f.met else 'NO':>4} "
                f"{minutes(f.down_seconds):>8} {minutes(f.degraded_seconds):>7} "
                f"{minutes(f.maintenance_seconds):>7} {minutes(f.no_data_seconds):>7} "
                f"{percent(f.coverage_pct, 1):>7} {percent(f.credit_pct, trim=True):>6}%"
            )
            if f.effective_from is not None:
                self.stdout.write(f"  {'':<34} {availability_note(f, customer.timezone)}")
        s = report.summary
        self.stdout.write(
            f"  {'customer':<34} {'':>7} {s.availability_display or '—':>8} "
            f"{s.met}/{s.workflows} met\n"
        )

    def print_impact(self, customer, period: Period, now) -> None:
        report = customer_sla(customer=customer, period=period, now=now)
        self.stdout.write(f"  Downtime impact and RTO compliance, {period.label}")
        for row in report.workflows:
            currency = row.inputs.workflow.currency
            for outage in row.inputs.outage_rows:
                item = next(i for i in row.impacts if i.outage_id == outage.pk)
                mitigation = row.mitigations[outage.pk]
                self.stdout.write(
                    f"  {column(row.inputs.workflow.name, 34)} "
                    f"{minutes(item.counted_seconds):>8} min"
                    f"  cost {_cents(item.cost):>10} {currency}"
                    f"  avoided {_cents(item.avoided_cost):>9}"
                    f"  RTO {row.inputs.workflow.rto_minutes:>3} min {mitigation.rto_status:<7}"
                    f"  {self.fallback_text(row, outage.pk, mitigation)}"
                )
        total = report.impact_total
        if total:
            costs = ", ".join(f"{_cents(v)} {k}" for k, v in total.cost.items())
            avoided = ", ".join(f"{_cents(v)} {k}" for k, v in total.avoided_cost.items())
            self.stdout.write(
                f"  total: cost {costs}; avoided {avoided}; "
                f"{int(total.user_minutes_lost):,} user-minutes lost\n"
            )

    @staticmethod
    def fallback_text(row, outage_id: int, mitigation) -> str:
        activations = row.inputs.activations.get(outage_id, [])
        if not activations:
            return "no fallback"
        first = activations[0]
        how = "auto" if first.automatic else "manual"
        return (
            f"fallback {how} after {minutes(mitigation.time_to_mitigate_seconds)} min"
            f" ({percent(first.effectiveness_pct, trim=True)}%)"
        )

    def write_reports(self, period: str, now) -> None:
        """Last month's PDFs into var/reports/ and the emails carrying them into var/mail/."""
        started = time.monotonic()
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(settings.VAR_DIR / "mail"),
        ):
            services.reports_monthly_run(period=period, now=now)
            for report_id in Report.objects.filter(period=period).values_list("pk", flat=True):
                services.report_render(report_id=report_id, now=now)
                services.report_send(report_id=report_id)
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Monthly reports {period} ({time.monotonic() - started:.1f}s)"
            )
        )
        for report in Report.objects.filter(period=period).select_related("customer"):
            self.stdout.write(
                f"  {report.customer.slug:<10} {report.state:<8} {report.page_count} pages  "
                f"{report.pdf.path}"
            )
        for mail in sorted((settings.VAR_DIR / "mail").glob("*.log")):
            self.stdout.write(f"  email: {mail}")

    def create_admin(self) -> None:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
