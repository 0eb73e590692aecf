"""REST API for customers and workflows."""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from continuity.fields import CustomerField, TenantRelatedField
from continuity.models import Customer, SLAPolicy, Workflow
from continuity.permissions import StaffOnly
from continuity.tenancy import TenantScopedMixin


class CustomerSerializer(serializers.ModelSerializer):
    report_recipients = serializers.ListField(child=serializers.EmailField(), required=False)
    sla_policy = TenantRelatedField(
        customer_path="customer", queryset=SLAPolicy.objects.all(), allow_null=True, required=False
    )

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


class CustomerViewSet(TenantScopedMixin, viewsets.ModelViewSet):
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


class WorkflowSerializer(serializers.ModelSerializer):
    customer = CustomerField()
    sla_policy = TenantRelatedField(
        customer_path="customer", queryset=SLAPolicy.objects.all(), allow_null=True, required=False
    )

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
            raise serializers.ValidationError({"name": ["This customer already has a workflow with this name."]})
        return attrs


class WorkflowFilter(filters.FilterSet):
    customer = filters.CharFilter(method="filter_customer")

    class Meta:
        model = Workflow
        fields = ["customer", "criticality", "upstream_dependency", "current_state"]

    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer__pk=value) if value.isdigit() else queryset.filter(customer__slug=value)


class WorkflowViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Workflow.objects.select_related("customer")
    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilter
