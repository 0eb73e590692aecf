"""Response shapes of the SLA and dependencies endpoints, for the OpenAPI schema only: the
bodies are built by reports/figures.py `sla_body` and reports/api.py `incident_body`.
Decimals travel as strings, as those functions write them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.rto import RTOStatus


def decimal(**kwargs) -> serializers.CharField:
    return serializers.CharField(help_text="a decimal number as a string", **kwargs)


def optional_decimal(**kwargs) -> serializers.CharField:
    return decimal(allow_null=True, **kwargs)


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}]},
)
class MinutesField(serializers.Field):
    """Whole minutes as an integer, else a decimal string."""

    def to_representation(self, value: int | str) -> int | str:
        return value

    def to_internal_value(self, data: object) -> int | str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError("an integer or a decimal string")
        return data


class SLAPeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    timezone = serializers.CharField()
    minutes = MinutesField()
    complete = serializers.BooleanField()


class BurnRateSerializer(serializers.Serializer):
    rate = optional_decimal()
    threshold = optional_decimal()
    alerting = serializers.BooleanField()


class SLASecondsSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    measured = serializers.IntegerField()
    down = serializers.IntegerField()
    degraded = serializers.IntegerField()
    maintenance = serializers.IntegerField()
    no_data = serializers.IntegerField()
    counted_downtime = decimal()


class RTOCountsSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    pending = serializers.IntegerField()


class SLAOutageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    severity = serializers.CharField()
    excluded_from_sla = serializers.BooleanField()
    time_to_mitigate_minutes = optional_decimal()
    rto_status = serializers.ChoiceField(choices=[status.value for status in RTOStatus])
    counted_minutes = decimal()
    mitigated_minutes = decimal()
    cost = decimal()
    avoided_cost = decimal()
    user_minutes_lost = decimal()


class SLAWorkflowSerializer(serializers.Serializer):
    workflow = serializers.IntegerField()
    name = serializers.CharField()
    upstream_dependency = serializers.CharField(allow_blank=True)
    sla_effective_from = serializers.DateTimeField(allow_null=True)
    effective_period_start = serializers.DateTimeField(allow_null=True)
    availability_note = serializers.CharField(allow_null=True)
    target_pct = decimal()
    period_minutes = decimal()
    scheduled_minutes = decimal()
    measured_minutes = decimal()
    down_minutes = decimal()
    degraded_minutes = decimal()
    maintenance_minutes = decimal()
    no_data_minutes = decimal()
    counted_downtime_minutes = decimal()
    coverage_pct = optional_decimal()
    availability_pct = optional_decimal()
    availability_display = serializers.CharField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    error_budget_minutes = decimal()
    error_budget_remaining_minutes = decimal()
    credit_pct = decimal()
    outage_count = serializers.IntegerField()
    mttr_minutes = optional_decimal()
    longest_outage_minutes = optional_decimal()
    effective_availability_pct = optional_decimal()
    effective_availability_display = serializers.CharField(allow_null=True)
    mitigated_minutes = decimal()
    seconds = SLASecondsSerializer()
    burn_rates = serializers.DictField(
        child=BurnRateSerializer(),
        allow_null=True,
        help_text="per window (1h, 6h, 3d, …); null when the period is not the current one",
    )
    currency = serializers.CharField()
    cost_per_minute = decimal()
    cost = decimal()
    avoided_cost = decimal()
    user_minutes_lost = decimal()
    rto = RTOCountsSerializer()
    outages = SLAOutageSerializer(many=True)


class ImpactSerializer(serializers.Serializer):
    outages = serializers.IntegerField()
    downtime_minutes = decimal()
    mitigated_minutes = decimal()
    cost = serializers.DictField(child=decimal(), help_text="per currency code")
    avoided_cost = serializers.DictField(child=decimal(), help_text="per currency code")
    user_minutes_lost = decimal()


class DependencyImpactSerializer(ImpactSerializer):
    upstream_dependency = serializers.CharField(allow_blank=True)


class SLASummarySerializer(serializers.Serializer):
    workflows = serializers.IntegerField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    measured_minutes = decimal()
    down_minutes = decimal()
    degraded_minutes = decimal()
    counted_downtime_minutes = decimal()
    availability_pct = optional_decimal()
    availability_display = serializers.CharField(allow_null=True)
    lowest_availability_pct = optional_decimal()
    outage_count = serializers.IntegerField()
    workflows_with_credit = serializers.IntegerField()
    impact = ImpactSerializer(allow_null=True)
    impact_by_dependency = DependencyImpactSerializer(many=True)


class SLASerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="the customer's slug")
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    period = SLAPeriodSerializer()
    generated_at = serializers.DateTimeField()
    workflows = SLAWorkflowSerializer(many=True)
    summary = SLASummarySerializer()


class IncidentCustomerSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="the customer's slug")
    customer_name = serializers.CharField()
    workflows = serializers.ListField(child=serializers.CharField())
    outages = serializers.ListField(child=serializers.IntegerField())
    downtime_minutes = decimal()
    mitigated_minutes = decimal()
    had_fallback = serializers.BooleanField()
    fallback_active_now = serializers.BooleanField()
    automatic = serializers.BooleanField()
    first_activation_at = serializers.DateTimeField(allow_null=True)
    time_to_mitigate_minutes = optional_decimal()


class ProviderIncidentSerializer(serializers.Serializer):
    upstream_dependency = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    customers_affected = serializers.IntegerField()
    outage_count = serializers.IntegerField()
    total_downtime_minutes = decimal()
    mitigated_downtime_minutes = decimal()
    customers_with_fallback = serializers.IntegerField()
    customers = IncidentCustomerSerializer(many=True)


class DependencyIncidentsSerializer(serializers.Serializer):
    upstream_dependency = serializers.CharField(allow_blank=True)
    incidents = ProviderIncidentSerializer(many=True)


class DependenciesPeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    timezone = serializers.CharField()


class DependenciesSerializer(serializers.Serializer):
    period = DependenciesPeriodSerializer()
    dependencies = DependencyIncidentsSerializer(many=True)
