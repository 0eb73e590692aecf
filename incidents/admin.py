from django.contrib import admin, messages

from continuity import formatting
from continuity.admin import local_time_column
from continuity.exceptions import DomainError
from incidents.models import (
    MaintenanceWindow,
    NoDataSpan,
    Outage,
    OutageEvidence,
    OutageNotification,
    OutageUpdate,
    Probe,
    ProbeResult,
)
from incidents.services.fallbacks import fallback_activate


@admin.register(Probe)
class ProbeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "workflow",
        "kind",
        "interval_seconds",
        "quorum",
        "failure_threshold",
        "enabled",
        local_time_column("last_observed_at", "workflow.customer", "last observed"),
    ]
    list_filter = ["kind", "enabled", "workflow__customer"]
    search_fields = ["name", "target", "workflow__name", "workflow__customer__name"]
    autocomplete_fields = ["workflow"]
    list_select_related = ["workflow__customer"]
    readonly_fields = ["derivation_pending", "last_observed_at"]


@admin.register(ProbeResult)
class ProbeResultAdmin(admin.ModelAdmin):
    list_display = [
        "probe",
        "location",
        local_time_column("observed_at", "probe.workflow.customer", "observed"),
        "outcome",
        "latency_ms",
        "status_code",
    ]
    list_filter = ["outcome", "location"]
    search_fields = ["probe__name", "client_id", "error"]
    date_hierarchy = "observed_at"
    list_select_related = ["probe__workflow__customer"]
    raw_id_fields = ["probe"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OutageUpdateInline(admin.TabularInline):
    model = OutageUpdate
    extra = 0
    fields = ["status", "message", "posted_at", "author"]
    raw_id_fields = ["author"]


class OutageEvidenceInline(admin.TabularInline):
    model = OutageEvidence
    extra = 0
    fields = ["role", "result"]
    readonly_fields = ["role", "result"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = [
        "workflow",
        local_time_column("started_at", "workflow.customer", "started"),
        local_time_column("ended_at", "workflow.customer", "ended"),
        "duration",
        "severity",
        "source",
        "excluded_from_sla",
    ]
    list_filter = [
        "severity",
        "source",
        "excluded_from_sla",
        "workflow__customer",
        "workflow__upstream_dependency",
    ]
    search_fields = ["workflow__name", "workflow__customer__name", "root_cause", "summary"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["workflow"]
    filter_horizontal = ["probes"]
    list_select_related = ["workflow__customer"]
    inlines = [OutageEvidenceInline, OutageUpdateInline]
    actions = ["activate_fallback"]

    @admin.display(description="duration")
    def duration(self, outage) -> str:
        if outage.ended_at is None:
            return "ongoing"
        return formatting.duration((outage.ended_at - outage.started_at).total_seconds())

    @admin.action(description="Activate fallback (the workflow's runbook) on open outages")
    def activate_fallback(self, request, queryset):
        for outage in queryset.filter(ended_at=None).select_related("workflow"):
            runbook = outage.workflow.runbooks.order_by("pk").first()
            if runbook is None:
                self.message_user(
                    request, f"{outage}: the workflow has no runbook.", messages.WARNING
                )
                continue
            try:
                fallback_activate(outage=outage, runbook=runbook, activated_by=str(request.user))
            except DomainError as exc:
                self.message_user(request, f"{outage}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{outage}: fallback '{runbook.title}' activated.")


@admin.register(OutageNotification)
class OutageNotificationAdmin(admin.ModelAdmin):
    list_display = ["event_key", "event", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "event"]
    search_fields = ["event_key", "last_error"]
    raw_id_fields = ["outage", "update"]
    readonly_fields = ["attempts", "claimed_at", "message_id", "sent_at", "last_error"]


@admin.register(NoDataSpan)
class NoDataSpanAdmin(admin.ModelAdmin):
    list_display = [
        "workflow",
        local_time_column("started_at", "workflow.customer", "started"),
        local_time_column("ended_at", "workflow.customer", "ended"),
    ]
    list_filter = ["workflow__customer"]
    search_fields = ["workflow__name"]
    list_select_related = ["workflow__customer"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        local_time_column("starts_at", "customer", "starts"),
        local_time_column("ends_at", "customer", "ends"),
        "reason",
    ]
    list_filter = ["customer"]
    list_select_related = ["customer"]
    search_fields = ["reason", "customer__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["customer"]
    filter_horizontal = ["workflows"]
