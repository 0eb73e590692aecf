"""Admin additions that need SLA figures: month-to-date columns on the workflow list."""

from decimal import Decimal

from django.contrib import admin
from django.utils.html import format_html

from continuity.admin import WorkflowAdmin
from continuity.models import Workflow
from reports.services import workflows_month_to_date


def _minutes(seconds: Decimal) -> str:
    return f"{seconds / 60:.1f} min"


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
            f.target_pct,
        )

    @admin.display(description="Error budget left")
    def error_budget_left(self, workflow) -> str:
        mtd = getattr(workflow, "mtd", None)
        if mtd is None:
            return "—"
        f = mtd.figures
        return f"{_minutes(f.error_budget_remaining_seconds)} of {_minutes(f.error_budget_seconds)}"

    @admin.display(description="Burn 1h / 6h / 3d")
    def burn_rate(self, workflow) -> str:
        mtd = getattr(workflow, "mtd", None)
        if mtd is None or not mtd.burn_rates:
            return "—"
        return " / ".join(
            "—" if rate is None else f"{rate:.1f}" for rate in mtd.burn_rates.values()
        )


admin.site.unregister(Workflow)
admin.site.register(Workflow, WorkflowSLAAdmin)
