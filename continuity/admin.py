from collections.abc import Callable
from operator import attrgetter

from django.contrib import admin

from continuity import formatting
from continuity.models import (
    APIKey,
    CreditTier,
    Customer,
    FallbackActivation,
    Runbook,
    RunbookStep,
    SLAPolicy,
    StepCompletion,
    Workflow,
)
from continuity.services import api_key_revoke, runbook_save


def local_time_column(field: str, customer: str, description: str) -> Callable[[object], str]:
    """A list column: ``field`` on the wall clock of the row's customer (``customer`` is the
    dotted path to it, "workflow.customer"), with the zone, as the console and the PDF show it."""
    zone_of = attrgetter(f"{customer}.timezone" if customer else "timezone")

    @admin.display(description=description, ordering=field)
    def column(obj) -> str:
        return formatting.local_time(getattr(obj, field), zone_of(obj))

    return column


@admin.display(description="target %", ordering="target_pct")
def target_column(obj) -> str:
    return formatting.percent(obj.target_pct)


@admin.display(description="effectiveness %", ordering="effectiveness_pct")
def effectiveness_column(obj) -> str:
    return formatting.percent(obj.effectiveness_pct, trim=True)


class CreditTierInline(admin.TabularInline):
    model = CreditTier
    extra = 1


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "customer",
        target_column,
        "degraded_weight",
        "min_outage_seconds",
        "no_data",
    ]
    list_filter = ["no_data"]
    search_fields = ["name", "customer__name"]
    autocomplete_fields = ["customer"]
    inlines = [CreditTierInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "locale", "sla_policy", "status_page_enabled"]
    list_filter = ["timezone", "locale", "status_page_enabled"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sla_policy"]


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "customer",
        "criticality",
        "current_state",
        "upstream_dependency",
        "cost",
        "rto_minutes",
    ]
    list_filter = ["criticality", "current_state", "upstream_dependency", "customer"]
    search_fields = ["name", "customer__name", "upstream_dependency"]
    autocomplete_fields = ["customer", "sla_policy"]
    list_select_related = ["customer"]
    readonly_fields = ["derived_at", "current_state"]

    @admin.display(description="cost per minute", ordering="cost_per_minute")
    def cost(self, workflow) -> str:
        return formatting.money(workflow.cost_per_minute, workflow.currency)


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key_prefix",
        "customer",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "key_prefix", "customer__name"]
    readonly_fields = ["key_prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["customer"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return (
            False  # keys are created with `manage.py create_api_key`, which shows the secret once
        )

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at=None):
            api_key_revoke(key=key)


class RunbookStepInline(admin.TabularInline):
    model = RunbookStep
    extra = 1


def _steps(formset) -> list[dict]:
    fields = ["order", "title", "owner_role", "expected_minutes"]
    return [
        {name: form.cleaned_data[name] for name in fields}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@admin.register(Runbook)
class RunbookAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "workflow",
        "version",
        "auto_activate_after_minutes",
        local_time_column("last_tested_at", "workflow.customer", "last tested"),
    ]
    list_filter = ["workflow__customer"]
    search_fields = ["title", "workflow__name", "workflow__customer__name"]
    autocomplete_fields = ["workflow"]
    list_select_related = ["workflow__customer"]
    readonly_fields = ["version", "last_tested_at"]
    inlines = [RunbookStepInline]

    def save_model(self, request, obj, form, change) -> None:
        """Saved with its steps in `save_related`, by the service that keeps versions."""

    def save_related(self, request, form, formsets, change) -> None:
        changed = [formset for formset in formsets if formset.has_changed()]
        runbook_save(runbook=form.instance, steps=_steps(changed[0]) if changed else None)

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)  # steps: replaced whole


class StepCompletionInline(admin.TabularInline):
    model = StepCompletion
    extra = 0
    readonly_fields = ["step_order", "title", "completed_at", "completed_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FallbackActivation)
class FallbackActivationAdmin(admin.ModelAdmin):
    list_display = [
        "runbook",
        "outage",
        local_time_column("activated_at", "runbook.workflow.customer", "activated"),
        local_time_column("deactivated_at", "runbook.workflow.customer", "deactivated"),
        effectiveness_column,
        "automatic",
        "is_drill",
        "flagged_at",
    ]
    list_filter = ["automatic", "is_drill", "runbook__workflow__customer"]
    search_fields = ["runbook__title", "runbook__workflow__name", "notes"]
    date_hierarchy = "activated_at"
    raw_id_fields = ["outage"]
    autocomplete_fields = ["runbook"]
    list_select_related = ["runbook__workflow__customer", "outage__workflow"]
    readonly_fields = [
        "outage",
        "runbook",
        "runbook_version",
        "runbook_snapshot",
        "activated_at",
        "activated_by",
        "automatic",
        "is_drill",
        "deactivated_at",
        "deactivated_by",
        "effectiveness_pct",
        "flagged_at",
    ]
    inlines = [StepCompletionInline]

    def has_add_permission(self, request) -> bool:
        return False  # the outage list's actions, the console and the API call the services

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
