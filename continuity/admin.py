from django.contrib import admin

from continuity.models import APIKey, CreditTier, Customer, SLAPolicy, Workflow


class CreditTierInline(admin.TabularInline):
    model = CreditTier
    extra = 1


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "target_pct", "degraded_weight", "min_outage_seconds", "no_data"]
    list_filter = ["no_data"]
    search_fields = ["name", "customer__name"]
    autocomplete_fields = ["customer"]
    inlines = [CreditTierInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "sla_policy", "status_page_enabled"]
    list_filter = ["timezone", "status_page_enabled"]
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
        "cost_per_minute",
        "currency",
        "rto_minutes",
    ]
    list_filter = ["criticality", "current_state", "upstream_dependency", "customer"]
    search_fields = ["name", "customer__name", "upstream_dependency"]
    autocomplete_fields = ["customer", "sla_policy"]
    list_select_related = ["customer"]
    readonly_fields = ["derived_at", "current_state"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "customer", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "key_prefix", "customer__name"]
    readonly_fields = ["key_prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["customer"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are created with `manage.py create_api_key`, which shows the secret once

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at=None):
            key.revoke()
