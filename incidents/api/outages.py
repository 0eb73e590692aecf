"""Outages (list, detail with evidence, manual, patch, status updates) and maintenance windows."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Prefetch, Q
from django.http import StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from continuity.fields import CustomerField, InstantField, ModelSerializer, TenantRelatedField
from continuity.filters import CustomerRefFilter, FilterSet, InstantFilter
from continuity.models import Customer, FallbackActivation, Workflow
from continuity.renderers import (
    CSV_RESPONSE,
    FORMAT_PARAMETER,
    CSVRenderer,
    ICalendarRenderer,
    attachment,
)
from continuity.rows import UpdateExistingMixin
from continuity.tenancy import TenantScopedMixin, requested_customer, scope_queryset
from incidents import services
from incidents.api.fallbacks import FallbackActivationSerializer
from incidents.models import (
    MaintenanceWindow,
    Outage,
    OutageEvidence,
    OutageUpdate,
    Probe,
    Severity,
    UpdateStatus,
)


class OutageUpdateSerializer(ModelSerializer):
    status = serializers.ChoiceField(choices=UpdateStatus.choices)
    posted_at = InstantField(required=False)

    class Meta:
        model = OutageUpdate
        fields = ["id", "status", "message", "posted_at"]


class OutageEvidenceSerializer(ModelSerializer):
    """What the result showed, as copied onto the evidence: it outlives the result itself."""

    probe = serializers.IntegerField(source="probe_id")
    observed_at = InstantField()
    outcome = serializers.CharField()
    result = serializers.IntegerField(source="result_id")

    class Meta:
        model = OutageEvidence
        fields = [
            "role",
            "result",
            "probe",
            "location",
            "observed_at",
            "outcome",
            "latency_ms",
            "status_code",
            "error",
        ]


class ProbeIdsField(serializers.ListField):
    """The outage's probe ids, in probe order: read from `probe_ids` where the list query
    selected them (`with_probe_ids`), else from the outage's probes."""

    child = serializers.IntegerField()

    def get_attribute(self, outage: Outage) -> list[int]:
        ids = getattr(outage, "probe_ids", None)
        return list(ids) if ids is not None else [probe.pk for probe in outage.probes.all()]


class OutageSerializer(ModelSerializer):
    workflow = TenantRelatedField(customer_path="customer", queryset=Workflow.objects.all())
    customer = serializers.IntegerField(source="workflow.customer_id", read_only=True)
    customer_slug = serializers.CharField(source="workflow.customer.slug", read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices)
    duration_seconds = serializers.SerializerMethodField()
    probes = ProbeIdsField(read_only=True)

    class Meta:
        model = Outage
        fields = [
            "id",
            "workflow",
            "customer",
            "customer_slug",
            "started_at",
            "ended_at",
            "duration_seconds",
            "severity",
            "source",
            "probes",
            "root_cause",
            "summary",
            "excluded_from_sla",
            "exclusion_reason",
        ]
        read_only_fields = ["source"]

    def get_duration_seconds(self, outage: Outage) -> int | None:
        if outage.ended_at is None:
            return None
        return int((outage.ended_at - outage.started_at).total_seconds())


class OutageDetailSerializer(OutageSerializer):
    evidence = OutageEvidenceSerializer(source="evidence_links", many=True, read_only=True)
    updates = OutageUpdateSerializer(many=True, read_only=True)
    fallback_activations = serializers.SerializerMethodField()

    class Meta(OutageSerializer.Meta):
        fields = [*OutageSerializer.Meta.fields, "evidence", "updates", "fallback_activations"]

    @extend_schema_field(FallbackActivationSerializer(many=True))
    def get_fallback_activations(self, outage):
        activations = sorted(outage.fallback_activations.all(), key=lambda a: a.activated_at)
        return FallbackActivationSerializer(activations, many=True).data


class OutagePatchSerializer(ModelSerializer):
    class Meta:
        model = Outage
        fields = [
            "root_cause",
            "summary",
            "excluded_from_sla",
            "exclusion_reason",
            "started_at",
            "ended_at",
        ]


class OutageFilter(FilterSet):
    customer = CustomerRefFilter("workflow__customer")
    state = filters.ChoiceFilter(
        choices=[("open", "open"), ("resolved", "resolved")], method="filter_state"
    )
    since = InstantFilter(method="filter_since")
    until = InstantFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Outage
        fields = ["customer", "workflow", "state", "since", "until", "severity", "source"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(ended_at__isnull=(value == "open"))

    def filter_since(self, queryset, name, value):
        """Outages still going on at or after `since` (ended after it, or open)."""
        return queryset.filter(Q(ended_at__gte=value) | Q(ended_at=None))


CSV_CHUNK_SIZE = 500


# The list shows probe ids only: read no more of the probe rows (same order as before).
PROBE_IDS = Probe.objects.only("id", "workflow_id", "name").order_by(*Probe._meta.ordering)


def with_probe_ids(queryset):
    """Outages with their probe ids: on PostgreSQL an ARRAY subquery in the page query itself,
    run for the listed rows only (a page is read from the `outage_list_order` index), which
    saves a query and the prefetch's model instances; elsewhere (SQLite) a prefetch."""
    if connection.vendor != "postgresql":
        return queryset.prefetch_related(Prefetch("probes", queryset=PROBE_IDS))
    ids = Probe.objects.filter(outages=OuterRef("pk")).order_by(*Probe._meta.ordering)
    return queryset.annotate(probe_ids=ArraySubquery(ids.values("id")))


class OutageViewSet(viewsets.ModelViewSet):
    customer_path = "workflow__customer"
    keyset_ordering = ("-started_at", "-id")
    filterset_class = OutageFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = with_probe_ids(Outage.objects.select_related("workflow__customer"))
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "evidence_links",
                    queryset=OutageEvidence.objects.order_by("observed_at", "pk"),
                ),
                "updates",
                Prefetch(
                    "fallback_activations",
                    queryset=FallbackActivation.objects.prefetch_related("step_completions"),
                ),
            )
        return scope_queryset(queryset, self.request, self.customer_path)

    def get_renderers(self):
        renderers = super().get_renderers()
        return [*renderers, CSVRenderer()] if self.action == "list" else renderers

    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses={(200, "application/json"): OutageSerializer, **CSV_RESPONSE},
    )
    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != CSVRenderer.format:
            return super().list(request, *args, **kwargs)
        outages = self.filter_queryset(self.get_queryset()).iterator(chunk_size=CSV_CHUNK_SIZE)
        context = self.get_serializer_context()
        rows = (OutageSerializer(outage, context=context).data for outage in outages)
        return StreamingHttpResponse(
            request.accepted_renderer.stream(list(OutageSerializer().fields), rows),
            content_type=f"{CSVRenderer.media_type}; charset={CSVRenderer.charset}",
            headers=attachment("continuity-outages.csv"),
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OutageDetailSerializer
        if self.action == "partial_update":
            return OutagePatchSerializer
        if self.action == "updates":
            return OutageUpdateSerializer
        return OutageSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.outage_create_manual(
            workflow=data["workflow"],
            started_at=data["started_at"],
            ended_at=data.get("ended_at"),
            severity=data["severity"],
            root_cause=data.get("root_cause", ""),
            summary=data.get("summary", ""),
        )

    def partial_update(self, request, *args, **kwargs):
        outage = self.get_object()
        serializer = OutagePatchSerializer(outage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.outage_update(outage=outage, **serializer.validated_data)
        return Response(
            OutageDetailSerializer(self.get_object(), context={"request": request}).data
        )

    def destroy(self, request, *args, **kwargs):
        outage = self.get_object()
        if outage.source != "manual":
            return Response(
                {"detail": "Only manual outages can be deleted; exclude a derived one instead."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.outage_delete_manual(outage=outage)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OutageUpdateSerializer, responses={201: OutageUpdateSerializer})
    @action(detail=True, methods=["post"])
    def updates(self, request, pk=None):
        outage = self.get_object()
        serializer = OutageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.outage_post_update(
            outage=outage,
            author=request.user,
            **serializer.validated_data,
        )
        return Response(OutageUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class MaintenanceWindowSerializer(ModelSerializer):
    customer = CustomerField()
    workflows = TenantRelatedField(
        customer_path="customer", queryset=Workflow.objects.all(), many=True, required=False
    )

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "customer", "workflows", "starts_at", "ends_at", "reason"]

    def validate(self, attrs):
        starts_at = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends_at = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": ["must be after starts_at."]})
        customer = attrs.get("customer", getattr(self.instance, "customer", None))
        foreign = [wf.pk for wf in attrs.get("workflows", []) if wf.customer_id != customer.pk]
        if foreign:
            raise serializers.ValidationError(
                {"workflows": [f"Workflows {foreign} do not belong to customer {customer.slug}."]}
            )
        return attrs


class MaintenanceWindowFilter(FilterSet):
    customer = CustomerRefFilter()
    since = InstantFilter(field_name="ends_at", lookup_expr="gt")
    until = InstantFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = MaintenanceWindow
        fields = ["customer", "workflows", "since", "until"]


class MaintenanceWindowViewSet(TenantScopedMixin, UpdateExistingMixin, viewsets.ModelViewSet):
    queryset = MaintenanceWindow.objects.prefetch_related("workflows")
    serializer_class = MaintenanceWindowSerializer
    filterset_class = MaintenanceWindowFilter

    @extend_schema(
        description="A customer's maintenance windows as an iCalendar feed "
        "(`calendar.ics`): times in UTC, one stable UID per window, SUMMARY = reason.",
        parameters=[
            OpenApiParameter(
                "customer", str, description="customer slug or id (a customer key: its own)"
            )
        ],
        responses={
            (200, ICalendarRenderer.media_type): OpenApiResponse(
                OpenApiTypes.STR, description="text/calendar (RFC 5545)"
            )
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[ICalendarRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def calendar(self, request, format=None):
        customer = requested_customer(request)
        windows = self.get_queryset().filter(customer=customer).order_by("starts_at", "pk")
        return Response(
            maintenance_calendar(customer, windows),
            headers=attachment(f"continuity-{customer.slug}-maintenance.ics"),
        )


def maintenance_calendar(customer: Customer, windows) -> dict:
    """The calendar's events: one per window, its UID stable for as long as the window lives."""
    return {
        "name": f"{customer.name} maintenance",
        "events": [
            {
                "uid": f"maintenance-window-{window.pk}@continuity",
                "stamp": window.created_at,
                "start": window.starts_at,
                "end": window.ends_at,
                "summary": window.reason or "Maintenance",
                "description": _affected(window),
            }
            for window in windows
        ],
    }


def _affected(window: MaintenanceWindow) -> str:
    names = sorted(workflow.name for workflow in window.workflows.all())
    return f"Workflows: {', '.join(names)}" if names else "All workflows"
