from django.contrib import admin, messages

from continuity import formatting
from continuity.admin import local_time_column
from continuity.exceptions import DomainError
from continuity.models import FallbackActivation
from incidents.models import (
    MaintenanceWindow,
    NoDataSpan,
    Outage,
    OutageEvidence,
    OutageNotification,
    OutageSource,
    OutageUpdate,
    Probe,
    ProbeResult,
    SweepRun,
)
from incidents.services import outage_create_manual, outage_post_update, outage_update
from incidents.services.fallbacks import fallback_activate, fallback_deactivate

# A probe-derived outage's workflow, times, severity and probes come from its results.
DERIVED_FIELDS = ["workflow", "started_at", "ended_at", "severity", "probes"]
MANUAL_FIELDS = ["started_at", "ended_at", "severity", "root_cause", "summary"]
EXCLUSION_FIELDS = ["excluded_from_sla", "exclusion_reason"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the service's own paths (ingest, derivation, sweeps)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
class ProbeResultAdmin(ReadOnlyAdmin):
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


class OutageUpdateInline(admin.TabularInline):
    """New status updates are posted (and mailed) by `OutageAdmin.save_formset`; sent ones stay."""

    model = OutageUpdate
    extra = 0
    fields = ["status", "message", "posted_at", "author"]
    readonly_fields = ["author"]
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OutageEvidenceInline(admin.TabularInline):
    model = OutageEvidence
    extra = 0
    # The copied fields: the result itself may have been dropped with its partition.
    fields = [
        "role",
        "probe",
        "location",
        "observed_at",
        "outcome",
        "status_code",
        "latency_ms",
        "error",
        "result_id",
    ]
    readonly_fields = fields
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
    actions = ["activate_fallback", "deactivate_fallback"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is not None and obj.source == OutageSource.PROBE:
            return [*DERIVED_FIELDS, "source"]
        return ["source"]

    def has_delete_permission(self, request, obj=None) -> bool:
        derived = obj is not None and obj.source == OutageSource.PROBE
        return not derived and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        """Through the services, as the API and console do (notifications included)."""
        edits = {name: form.cleaned_data[name] for name in form.changed_data if name != "probes"}
        if change:
            outage_update(outage=Outage.objects.get(pk=obj.pk), **edits)
        else:
            created = outage_create_manual(
                **{name: getattr(obj, name) for name in MANUAL_FIELDS}, workflow=obj.workflow
            )
            exclusion = {name: edits[name] for name in EXCLUSION_FIELDS if name in edits}
            if exclusion:
                outage_update(outage=created, **exclusion)
            obj.pk, obj._state.adding = created.pk, False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not OutageUpdate:
            return super().save_formset(request, form, formset, change)
        for update in formset.save(commit=False):
            outage_post_update(
                outage=form.instance,
                status=update.status,
                message=update.message,
                posted_at=update.posted_at,
                author=request.user,
            )

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

    @admin.action(description="Deactivate the active fallback of the selected outages")
    def deactivate_fallback(self, request, queryset):
        active = FallbackActivation.objects.filter(outage__in=queryset, deactivated_at=None)
        for activation in active.select_related("runbook"):
            try:
                fallback_deactivate(activation=activation, by=str(request.user))
            except DomainError as exc:
                self.message_user(request, f"{activation}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{activation}: deactivated.")


@admin.register(OutageNotification)
class OutageNotificationAdmin(admin.ModelAdmin):
    list_display = ["event_key", "event", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "event"]
    search_fields = ["event_key", "last_error"]
    raw_id_fields = ["outage", "update"]
    readonly_fields = ["attempts", "claimed_at", "message_id", "sent_at", "last_error"]


@admin.register(NoDataSpan)
class NoDataSpanAdmin(ReadOnlyAdmin):
    list_display = [
        "workflow",
        local_time_column("started_at", "workflow.customer", "started"),
        local_time_column("ended_at", "workflow.customer", "ended"),
    ]
    list_filter = ["workflow__customer"]
    search_fields = ["workflow__name"]
    list_select_related = ["workflow__customer"]


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    """How each periodic sweep last went (also in /metrics as continuity_sweep_*)."""

    list_display = ["name", "finished_at", "swept", "failures", "failed_ids"]


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
