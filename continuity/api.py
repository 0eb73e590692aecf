"""REST API for customers and workflows."""

from decimal import Decimal

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from continuity.fields import (
    CustomerField,
    InstantField,
    ModelSerializer,
    PolicyField,
    TenantRelatedField,
)
from continuity.filters import CustomerRefFilter, FilterSet
from continuity.models import (
    CreditTier,
    Customer,
    EventDelivery,
    EventEndpoint,
    EventType,
    Runbook,
    RunbookStep,
    SLAPolicy,
    Workflow,
)
from continuity.permissions import StaffOnly
from continuity.rows import UpdateExistingMixin
from continuity.services import runbook_drill, runbook_save
from continuity.tenancy import (
    TenantScopedMixin,
    request_customer_id,
    scope_queryset,
    usable_policies,
)


class CustomerSerializer(ModelSerializer):
    report_recipients = serializers.ListField(child=serializers.EmailField(), required=False)
    sla_policy = PolicyField(allow_null=True, required=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            "slug",
            "name",
            "timezone",
            "report_recipients",
            "sla_policy",
            "notify_outage_emails",
            "status_page_enabled",
        ]


class CustomerViewSet(TenantScopedMixin, UpdateExistingMixin, viewsets.ModelViewSet):
    """Customers (tenants). Only staff create, change or delete them."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    customer_path = ""
    filterset_fields = ["slug"]

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action not in ("list", "retrieve"):
            permissions.append(StaffOnly())
        return permissions


def require_every_field(serializer: serializers.Serializer, attrs: dict) -> dict:
    """A list item is whole even in a PATCH: DRF skips required fields everywhere under a
    partial serializer, and the item's rules would then fail on the missing ones."""
    missing = [name for name, field in serializer.fields.items() if field.required]
    missing = [name for name in missing if name not in attrs]
    if missing:
        raise serializers.ValidationError({name: ["This field is required."] for name in missing})
    return attrs


class WorkflowSerializer(ModelSerializer):
    customer = CustomerField()
    sla_policy = PolicyField(allow_null=True, required=False)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "customer",
            "name",
            "criticality",
            "cost_per_minute",
            "currency",
            "users_affected",
            "rto_minutes",
            "upstream_dependency",
            "sla_policy",
            "sla_effective_from",
            "current_state",
            "derived_at",
        ]
        read_only_fields = ["current_state", "derived_at"]
        validators = []  # the unique (customer, name) pair is checked in validate()

    def validate_currency(self, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError("Use a three-letter ISO 4217 code, e.g. USD.")
        return value.upper()

    def validate(self, attrs):
        customer = attrs.get("customer", getattr(self.instance, "customer", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        clash = Workflow.objects.filter(customer=customer, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                {"name": ["This customer already has a workflow with this name."]}
            )
        return attrs


class WorkflowFilter(FilterSet):
    customer = CustomerRefFilter()

    class Meta:
        model = Workflow
        fields = ["customer", "criticality", "upstream_dependency", "current_state"]


class WorkflowViewSet(TenantScopedMixin, UpdateExistingMixin, viewsets.ModelViewSet):
    queryset = Workflow.objects.select_related("customer")
    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilter


class CreditTierSerializer(ModelSerializer):
    class Meta:
        model = CreditTier
        fields = ["below_pct", "credit_pct"]

    def validate(self, attrs):
        return require_every_field(self, attrs)


class ServiceWindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    start = serializers.RegexField(r"^([01]\d|2[0-3]):[0-5]\d$", help_text="HH:MM, local time")
    end = serializers.RegexField(
        r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", help_text="HH:MM, local time; 24:00 = midnight"
    )

    def validate(self, attrs):
        require_every_field(self, attrs)
        if attrs["end"] == "24:00":
            attrs["end"] = "00:00"
        elif attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError("end must be after start (use 24:00 for midnight).")
        return attrs


def validate_credit_tiers(tiers: list[dict]) -> list[dict]:
    """Tiers as a schedule: distinct thresholds, and a lower availability never earns less."""
    ordered = sorted(tiers, key=lambda tier: tier["below_pct"], reverse=True)
    seen = set()
    for tier in ordered:
        if tier["below_pct"] in seen:
            raise serializers.ValidationError(f"Two tiers share below_pct {tier['below_pct']}.")
        seen.add(tier["below_pct"])
    for higher, lower in zip(ordered, ordered[1:], strict=False):
        if lower["credit_pct"] < higher["credit_pct"]:
            raise serializers.ValidationError(
                f"Contradictory tiers: below {lower['below_pct']}% credits "
                f"{lower['credit_pct']}%, less than the {higher['credit_pct']}% credited "
                f"below {higher['below_pct']}%."
            )
    return ordered


class SLAPolicySerializer(ModelSerializer):
    customer = CustomerField(allow_null=True, required=False)
    target_pct = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=Decimal("0"), max_value=Decimal("100")
    )
    degraded_weight = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
    )
    credit_tiers = CreditTierSerializer(many=True, required=False)
    service_hours = ServiceWindowSerializer(many=True, required=False)

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "customer",
            "name",
            "target_pct",
            "degraded_weight",
            "min_outage_seconds",
            "no_data",
            "credit_tiers",
            "service_hours",
        ]

    def validate_credit_tiers(self, value):
        return validate_credit_tiers(value)

    def validate(self, attrs):
        customer_id = request_customer_id(self.context["request"])
        if customer_id is not None:
            attrs["customer"] = Customer.objects.get(pk=customer_id)
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        tiers = validated_data.pop("credit_tiers", [])
        policy = SLAPolicy.objects.create(**validated_data)
        CreditTier.objects.bulk_create([CreditTier(policy=policy, **tier) for tier in tiers])
        return policy

    @transaction.atomic
    def update(self, instance, validated_data):
        tiers = validated_data.pop("credit_tiers", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        if tiers is not None:
            instance.credit_tiers.all().delete()
            CreditTier.objects.bulk_create([CreditTier(policy=instance, **tier) for tier in tiers])
        return instance


class SLAPolicyViewSet(UpdateExistingMixin, viewsets.ModelViewSet):
    """SLA policies: a customer key sees its own and the shared ones, and changes only its own."""

    serializer_class = SLAPolicySerializer
    filterset_fields = ["customer", "no_data"]

    def get_queryset(self):
        customer_id = request_customer_id(self.request)
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            policies = usable_policies(customer_id)
        else:  # shared policies are read-only to customers
            policies = scope_queryset(SLAPolicy.objects.all(), self.request, "customer")
        return policies.prefetch_related("credit_tiers")


class RunbookStepSerializer(ModelSerializer):
    class Meta:
        model = RunbookStep
        fields = ["order", "title", "owner_role", "expected_minutes"]

    def validate(self, attrs):
        return require_every_field(self, attrs)


class RunbookSerializer(ModelSerializer):
    workflow = TenantRelatedField(customer_path="customer", queryset=Workflow.objects.all())
    steps = RunbookStepSerializer(many=True, required=False)

    class Meta:
        model = Runbook
        fields = [
            "id",
            "workflow",
            "title",
            "fallback_strategy",
            "steps",
            "auto_activate_after_minutes",
            "default_effectiveness_pct",
            "last_tested_at",
            "version",
        ]
        read_only_fields = ["version", "last_tested_at"]

    def validate_steps(self, steps: list[dict]) -> list[dict]:
        orders = [step["order"] for step in steps]
        if len(set(orders)) != len(orders):
            raise serializers.ValidationError("Step orders must be unique.")
        return sorted(steps, key=lambda step: step["order"])

    def create(self, validated_data):
        steps = validated_data.pop("steps", [])
        return runbook_save(runbook=Runbook(), steps=steps, **validated_data)

    def update(self, instance, validated_data):
        steps = validated_data.pop("steps", None)
        return runbook_save(runbook=instance, steps=steps, **validated_data)


class RunbookDrillSerializer(serializers.Serializer):
    at = InstantField(required=False)


class RunbookViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Runbooks; `POST runbooks/{id}/drill/` records a drill and marks the runbook tested."""

    queryset = Runbook.objects.select_related("workflow").prefetch_related("steps")
    serializer_class = RunbookSerializer
    customer_path = "workflow__customer"
    filterset_fields = ["workflow"]

    @extend_schema(request=RunbookDrillSerializer, responses={201: RunbookSerializer})
    @action(detail=True, methods=["post"])
    def drill(self, request, pk=None):
        runbook = self.get_object()
        serializer = RunbookDrillSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        runbook_drill(runbook=runbook, at=serializer.validated_data.get("at"), by=str(request.user))
        return Response(RunbookSerializer(self.get_object()).data, status=201)


class EventEndpointSerializer(ModelSerializer):
    customer = CustomerField()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False
    )

    class Meta:
        model = EventEndpoint
        fields = ["id", "customer", "kind", "url", "events", "active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_url(self, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Enter an http:// or https:// URL.")
        return value


class EventEndpointCreatedSerializer(EventEndpointSerializer):
    """The create response, the only one that carries the signing secret."""

    secret = serializers.CharField(
        read_only=True, help_text="Signs webhooks; shown only in the create response."
    )

    class Meta(EventEndpointSerializer.Meta):
        fields = [*EventEndpointSerializer.Meta.fields, "secret"]


class EventEndpointFilter(FilterSet):
    customer = CustomerRefFilter()

    class Meta:
        model = EventEndpoint
        fields = ["customer", "kind", "active"]


class EventEndpointViewSet(TenantScopedMixin, UpdateExistingMixin, viewsets.ModelViewSet):
    """Where the customer's events are POSTed: signed webhooks, Slack or Teams."""

    queryset = EventEndpoint.objects.select_related("customer")
    serializer_class = EventEndpointSerializer
    filterset_class = EventEndpointFilter

    def get_serializer_class(self):
        return (
            EventEndpointCreatedSerializer
            if self.action == "create"
            else super().get_serializer_class()
        )


class EventDeliverySerializer(ModelSerializer):
    class Meta:
        model = EventDelivery
        fields = [
            "id",
            "endpoint",
            "event_type",
            "idempotency_key",
            "payload",
            "state",
            "attempts",
            "status_code",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class EventDeliveryFilter(FilterSet):
    class Meta:
        model = EventDelivery
        fields = ["endpoint", "state"]


class EventDeliveryViewSet(
    TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The log of events owed to the customer's endpoints, and how each delivery went."""

    queryset = EventDelivery.objects.all()
    keyset_ordering = ("-created_at", "-id")
    serializer_class = EventDeliverySerializer
    filterset_class = EventDeliveryFilter
    customer_path = "endpoint__customer"
