"""Admin additions that need SLA figures: month-to-date columns on the workflow list."""

from django.contrib import admin, messages
from django.utils.html import format_html

from continuity import formatting
from continuity.admin import WorkflowAdmin, local_time_column
from continuity.exceptions import DomainError
from continuity.models import Workflow
from reports.models import Report, ReportDelivery
from reports.services import report_issue_revision, report_regenerate, report_resend
from reports.sla_selectors import workflows_month_to_date


class WorkflowSLAAdmin(WorkflowAdmin):
    list_display = [
        *WorkflowAdmin.list_display,
        "mtd_availability",
        "error_budget_left",
        "burn_rate",
    ]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        figures = workflows_month_to_date(workflows=list(changelist.result_list))
        for workflow in changelist.result_list:
            workflow.mtd = figures.get(workflow.pk)
        return changelist

    @admin.display(description="MTD availability")
    def mtd_availability(self, workflow) -> str:
        mtd = getattr(workflow, "mtd", None)
        if mtd is None or mtd.figures.availability_display is None:
            return "—"
        f = mtd.figures
        colour = "#1a7f37" if f.met else "#cf222e"
        return format_html(
            '<span style="color:{}">{} %</span> / {} %',
            colour,
            f.availability_display,
            formatting.percent(f.target_pct),
        )

    @admin.display(description="Error budget left")
    def error_budget_left(self, workflow) -> str:
        mtd = getattr(workflow, "mtd", None)
        if mtd is None:
            return "—"
        f = mtd.figures
        left = formatting.minutes(f.error_budget_remaining_seconds)
        return f"{left} min of {formatting.minutes(f.error_budget_seconds)} min"

    @admin.display(description="Burn 1h / 6h / 3d")
    def burn_rate(self, workflow) -> str:
        mtd = getattr(workflow, "mtd", None)
        if mtd is None or not mtd.burn_rates:
            return "—"
        return " / ".join(formatting.number(rate, 1) for rate in mtd.burn_rates.values())


admin.site.unregister(Workflow)
admin.site.register(Workflow, WorkflowSLAAdmin)


class ReportDeliveryInline(admin.TabularInline):
    model = ReportDelivery
    extra = 0
    readonly_fields = ["kind", "requested_by", "requested_at", "recipients", "sent_at", "error"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "period",
        "revision",
        "state",
        "is_current",
        "superseded_flag",
        "attempts",
        local_time_column("sent_at", "customer", "sent"),
        "download",
    ]
    list_filter = ["state", "is_current", "period", "customer"]
    search_fields = ["customer__name", "customer__slug", "period"]
    list_select_related = ["customer"]
    readonly_fields = [f.name for f in Report._meta.fields if f.name not in ("id",)]
    inlines = [ReportDeliveryInline]
    actions = ["regenerate", "resend", "issue_revision"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="superseded", boolean=True)
    def superseded_flag(self, report) -> bool:
        return report.superseded

    @admin.display(description="PDF")
    def download(self, report) -> str:
        if not report.pdf:
            return "—"
        return format_html('<a href="/api/v1/reports/{}/pdf/">download</a>', report.pk)

    def _each(self, request, queryset, action, verb: str) -> None:
        for report in queryset:
            try:
                action(report)
            except DomainError as exc:
                self.message_user(request, f"{report}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{report}: {verb}.")

    @admin.action(description="Regenerate (unsent reports)")
    def regenerate(self, request, queryset):
        self._each(request, queryset, lambda r: report_regenerate(report=r), "queued to render")

    @admin.action(description="Resend by email")
    def resend(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: report_resend(report=r, requested_by=str(request.user)),
            "resent",
        )

    @admin.action(description="Issue a corrected revision")
    def issue_revision(self, request, queryset):
        self._each(request, queryset, lambda r: report_issue_revision(report=r), "revision queued")
