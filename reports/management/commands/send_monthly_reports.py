from django.core.management.base import BaseCommand, CommandError

from continuity import delivery
from reports import services
from reports.models import Report, ReportState
from reports.periods import PeriodError, parse_month


class Command(BaseCommand):
    help = "Generate, render and mail the monthly reports of months that have ended."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: each customer's last month)")
        parser.add_argument("--customer", help="only this customer (slug)")
        parser.add_argument("--dry-run", action="store_true", help="say what would happen")

    def handle(self, *args, period=None, customer=None, dry_run=False, **options):
        if period:
            try:
                parse_month(period, "UTC")
            except PeriodError as exc:
                raise CommandError(str(exc)) from exc
        outcomes = services.reports_monthly_run(
            period=period, customer_slug=customer, dry_run=dry_run
        )
        if customer and not outcomes:
            raise CommandError(f"No customer with slug '{customer}'.")
        for customer_row, label, what in outcomes:
            self.stdout.write(f"{customer_row.slug:<24} {label}  {what}")
        if dry_run:
            return
        pending = Report.objects.filter(state=ReportState.PENDING).values_list("pk", flat=True)
        for report_id in dict.fromkeys([*pending, *services.reports_unfinished()]):
            services.report_retry_failed(report_id=report_id)
            services.report_render(report_id=report_id)
            try:
                outcome = services.report_send(report_id=report_id)
            except delivery.TRANSIENT_ERRORS as exc:
                self.stderr.write(f"report {report_id}: not sent ({exc}); the hourly run retries")
                continue
            self.stdout.write(f"report {report_id}: {outcome.state} {outcome.error}".rstrip())
