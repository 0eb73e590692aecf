import shutil
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from console import demo
from incidents.models import Outage
from incidents.tasks import sweep_derivations
from reports import services
from reports.figures import minutes
from reports.impact import money
from reports.models import Report
from reports.periods import month_period
from reports.selectors import customer_sla

DEMO_USER = "admin"
DEMO_PASSWORD = "continuity-demo"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Command(BaseCommand):
    help = "Load the simulated demo month, derive its outages and print a summary."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow resetting a non-SQLite database"
        )

    def handle(self, *args, force: bool = False, **options):
        if connection.vendor != "sqlite" and not force:
            raise CommandError(
                "load_demo replaces all data; it runs on the embedded SQLite database "
                "(unset DATABASE_URL) or with --force."
            )
        call_command("flush", "--noinput", verbosity=0)
        started = time.monotonic()
        customers = demo.load()
        loaded = time.monotonic()
        derived_workflows = sweep_derivations()
        demo.add_runbooks_and_fallbacks()
        derived = time.monotonic()
        self.stdout.write(
            f"Loaded {len(customers)} customers and their probe results "
            f"in {loaded - started:.1f}s; derived outages of {derived_workflows} workflows "
            f"in {derived - loaded:.1f}s.\n"
        )
        for customer in customers:
            self.print_outages(customer)
            self.print_sla(customer)
            self.print_impact(customer)
        self.write_reports()
        self.create_admin()
        self.stdout.write(
            "\nOpen the console: run `make serve` and browse to http://127.0.0.1:8000/console/ "
            f"(login {DEMO_USER} / {DEMO_PASSWORD}); the Django admin is at /admin/, the API "
            "docs at /api/docs/, a customer's status page at /status/northwind/.\n"
            f"Database: {settings.DATABASES['default']['NAME']}"
        )

    def print_outages(self, customer) -> None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(customer.timezone)
        self.stdout.write(self.style.MIGRATE_HEADING(f"{customer.name} ({customer.timezone})"))
        outages = (
            Outage.objects.filter(workflow__customer=customer)
            .select_related("workflow")
            .order_by("started_at")
        )
        self.stdout.write(f"  {'workflow':<34} {'start':<17} {'end':<17} {'duration':>9}  severity")
        for outage in outages:
            end = (
                outage.ended_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                if outage.ended_at
                else "open"
            )
            seconds = int(
                ((outage.ended_at or outage.started_at) - outage.started_at).total_seconds()
            )
            self.stdout.write(
                f"  {outage.workflow.name[:34]:<34} "
                f"{outage.started_at.astimezone(zone):%Y-%m-%d %H:%M} {end:<17} "
                f"{_duration(seconds):>9}  {outage.severity}"
            )
        self.stdout.write("")

    def print_sla(self, customer) -> None:
        period = month_period(2026, 10, customer.timezone)
        report = customer_sla(customer=customer, period=period)
        self.stdout.write(f"  SLA {period.label} ({customer.timezone}, {period.minutes} minutes)")
        self.stdout.write(
            f"  {'workflow':<34} {'target':>7} {'avail.':>8} {'met':>4} {'down':>8} "
            f"{'degr.':>7} {'maint.':>7} {'nodata':>7} {'credit':>7}"
        )
        for row in report.workflows:
            f = row.figures
            self.stdout.write(
                f"  {row.inputs.workflow.name[:34]:<34} {f.target_pct:>7} "
                f"{f.availability_display or '—':>8} {'yes' if f.met else 'NO':>4} "
                f"{minutes(f.down_seconds):>8} {minutes(f.degraded_seconds):>7} "
                f"{minutes(f.maintenance_seconds):>7} {minutes(f.no_data_seconds):>7} "
                f"{f.credit_pct:>6}%"
            )
        s = report.summary
        self.stdout.write(
            f"  {'customer':<34} {'':>7} {s.availability_display or '—':>8} "
            f"{s.met}/{s.workflows} met\n"
        )

    def print_impact(self, customer) -> None:
        report = customer_sla(customer=customer, period=month_period(2026, 10, customer.timezone))
        self.stdout.write("  Downtime impact and RTO compliance")
        for row in report.workflows:
            currency = row.inputs.workflow.currency
            for outage in row.inputs.outage_rows:
                item = next(i for i in row.impacts if i.outage_id == outage.pk)
                mitigation = row.mitigations[outage.pk]
                activations = row.inputs.activations.get(outage.pk, [])
                fallback = "no fallback"
                if activations:
                    first = activations[0]
                    how = "auto" if first.automatic else "manual"
                    fallback = (
                        f"fallback {how} after {minutes(mitigation.time_to_mitigate_seconds)} min"
                        f" ({first.effectiveness_pct:.0f}%)"
                    )
                self.stdout.write(
                    f"  {row.inputs.workflow.name[:30]:<30} {minutes(item.counted_seconds):>8} min"
                    f"  cost {money(item.cost):>10} {currency}"
                    f"  avoided {money(item.avoided_cost):>9}"
                    f"  RTO {row.inputs.workflow.rto_minutes:>3} min {mitigation.rto_status:<7}"
                    f"  {fallback}"
                )
        total = report.impact_total
        if total:
            costs = ", ".join(f"{money(v)} {k}" for k, v in total.cost.items())
            avoided = ", ".join(f"{money(v)} {k}" for k, v in total.avoided_cost.items())
            self.stdout.write(
                f"  total: cost {costs}; avoided {avoided}; "
                f"{total.user_minutes_lost:.0f} user-minutes lost\n"
            )

    def write_reports(self) -> None:
        """October's PDFs into var/reports/ and the emails carrying them into var/mail/."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(settings.VAR_DIR / "mail")
        shutil.rmtree(settings.EMAIL_FILE_PATH, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT / "reports", ignore_errors=True)
        started = time.monotonic()
        services.reports_monthly_run(period="2026-10")
        for report_id in Report.objects.filter(period="2026-10").values_list("pk", flat=True):
            services.report_render(report_id=report_id)
            services.report_send(report_id=report_id)
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Monthly reports ({time.monotonic() - started:.1f}s)")
        )
        for report in Report.objects.filter(period="2026-10").select_related("customer"):
            self.stdout.write(
                f"  {report.customer.slug:<10} {report.state:<8} {report.page_count} pages  "
                f"{report.pdf.path}"
            )
        for mail in sorted(Path(settings.EMAIL_FILE_PATH).glob("*.log")):
            self.stdout.write(f"  email: {mail}")

    def create_admin(self) -> None:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
