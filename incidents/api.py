"""REST API for probes, probe-result ingestion and outages."""

from django.db.models import Prefetch, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from continuity.fields import CustomerField, TenantRelatedField
from continuity.filters import CustomerRefFilter
from continuity.models import FallbackActivation, Runbook, Scope, StepCompletion, Workflow
from continuity.tenancy import TenantScopedMixin, request_customer_id, scope_queryset
from incidents import services
from incidents.fallbacks import fallback_activate, fallback_deactivate, step_complete
from incidents.models import (
    MaintenanceWindow,
    Outage,
    OutageEvidence,
    OutageUpdate,
    Probe,
    ProbeResult,
    Severity,
    UpdateStatus,
)
from incidents.prober.spec import (
    ENV_NAME,
    HTTP_METHODS,
    RUN_FIELDS,
    assertion_errors,
    header_errors,
    runnable_probe_errors,
)


class ProbeSerializer(serializers.ModelSerializer):
    workflow = TenantRelatedField(customer_path="customer", queryset=Workflow.objects.all())
    locations = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=50
    )
    expected_status = serializers.ListField(
        child=serializers.IntegerField(min_value=100, max_value=599), required=False
    )
    quorum = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    method = serializers.ChoiceField(choices=HTTP_METHODS, required=False)
    headers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text='Header name to a literal value, or {"env": "PROBE_…"} for a secret read '
        "from the environment of the worker or agent running the probe (never stored); "
        "only variables named PROBE_… or listed in the runner's PROBE_SECRETS.",
    )
    body_assertion = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='null, {"contains": "text"} or {"json_path": "$.status", "equals": "ok"}.',
    )
    llm_api_key_env = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Name of the environment variable holding the API key (not the key); "
        "PROBE_… or listed in the runner's PROBE_SECRETS.",
    )

    class Meta:
        model = Probe
        fields = [
            "id",
            "workflow",
            "name",
            "kind",
            "target",
            "interval_seconds",
            "timeout_ms",
            "locations",
            "quorum",
            "failure_threshold",
            "recovery_threshold",
            "degraded_latency_ms",
            "expected_status",
            "method",
            "headers",
            "body",
            "body_assertion",
            "verify_tls",
            "llm_model",
            "llm_api_key_env",
            "llm_max_tokens",
            "llm_max_ttft_ms",
            "llm_min_tokens_per_second",
            "statuspage_component",
            "enabled",
            "last_observed_at",
        ]
        read_only_fields = ["last_observed_at"]

    def validate_headers(self, value):
        errors = header_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate_body_assertion(self, value):
        errors = assertion_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate_llm_api_key_env(self, value: str) -> str:
        if value and not ENV_NAME.match(value):
            raise serializers.ValidationError(
                "Must be the name of an environment variable (e.g. OPENAI_API_KEY), "
                "not the key itself."
            )
        return value

    def validate_locations(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Locations must be unique.")
        return value

    def validate(self, attrs):
        locations = attrs.get("locations", getattr(self.instance, "locations", []))
        quorum = attrs.get("quorum", getattr(self.instance, "quorum", None))
        if quorum is not None and quorum > len(locations):
            raise serializers.ValidationError(
                {"quorum": [f"Quorum {quorum} exceeds the {len(locations)} location(s)."]}
            )
        errors = runnable_probe_errors(
            {name: attrs.get(name, getattr(self.instance, name, None)) for name in RUN_FIELDS}
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["quorum"] = instance.effective_quorum
        return data


class ProbeFilter(filters.FilterSet):
    customer = CustomerRefFilter("workflow__customer")
    location = filters.CharFilter(method="filter_location")

    class Meta:
        model = Probe
        fields = ["workflow", "kind", "enabled", "customer", "location"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(pk__in=[p.pk for p in queryset if value in p.locations])


class ProbeViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Probe.objects.select_related("workflow")
    serializer_class = ProbeSerializer
    filterset_class = ProbeFilter
    customer_path = "workflow__customer"


class ProbeResultItemSerializer(serializers.Serializer):
    probe = serializers.IntegerField()
    location = serializers.CharField()
    observed_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=["up", "degraded", "down"])
    latency_ms = serializers.IntegerField(required=False, allow_null=True)
    status_code = serializers.IntegerField(required=False, allow_null=True)
    error = serializers.CharField(required=False, allow_blank=True)
    id = serializers.CharField(required=False, max_length=100)
    tokens_used = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    tokens_per_second = serializers.DecimalField(
        required=False, allow_null=True, max_digits=10, decimal_places=2, min_value=0
    )


class ProbeResultBatchSerializer(serializers.Serializer):
    results = ProbeResultItemSerializer(many=True)


class ProbeResultSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="client_id", read_only=True)

    class Meta:
        model = ProbeResult
        fields = [
            "pk",
            "probe",
            "location",
            "observed_at",
            "outcome",
            "latency_ms",
            "status_code",
            "error",
            "id",
            "received_at",
            "tokens_used",
            "tokens_per_second",
        ]


class ProbeResultFilter(filters.FilterSet):
    since = filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="lt")

    class Meta:
        model = ProbeResult
        fields = ["probe", "location", "outcome", "since", "until"]


class ProbeResultViewSet(TenantScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`POST` a batch of up to 5,000 results (all or nothing); `GET` lists stored results."""

    queryset = ProbeResult.objects.order_by("-observed_at", "-pk")
    serializer_class = ProbeResultSerializer
    filterset_class = ProbeResultFilter
    customer_path = "probe__workflow__customer"
    write_scope = Scope.INGEST

    @extend_schema(
        request=ProbeResultBatchSerializer,
        responses={
            201: inline_serializer(
                "ProbeResultIngestResponse",
                {"accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField()},
            )
        },
    )
    def create(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        if "results" not in body:
            return Response(
                {"results": ["This field is required: a list of probe results."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            summary = services.probe_results_ingest(
                items=body["results"], customer_id=request_customer_id(request)
            )
        except services.BatchRejected as rejected:
            return Response(_batch_error_body(rejected, len(body["results"])), status=400)
        return Response(
            {"accepted": summary.accepted, "duplicates": summary.duplicates},
            status=status.HTTP_201_CREATED,
        )


def _batch_error_body(rejected: services.BatchRejected, size: int) -> dict:
    """Both an index-aligned list (DRF style) and a flat list of {index, field, message}."""
    per_item: list[dict] = [{} for _ in range(size)]
    flat = []
    for entry in rejected.errors:
        per_item[entry["index"]] = entry["errors"]
        for field, messages in entry["errors"].items():
            flat.extend(
                {"index": entry["index"], "field": field, "message": message}
                for message in messages
            )
    return {"detail": rejected.message, "errors": flat, "results": per_item}


class StepCompletionSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="step_order")

    class Meta:
        model = StepCompletion
        fields = ["order", "title", "completed_at", "completed_by"]


class FallbackActivationSerializer(serializers.ModelSerializer):
    step_completions = StepCompletionSerializer(many=True, read_only=True)
    flagged = serializers.SerializerMethodField()

    class Meta:
        model = FallbackActivation
        fields = [
            "id",
            "outage",
            "runbook",
            "runbook_version",
            "activated_at",
            "activated_by",
            "automatic",
            "is_drill",
            "deactivated_at",
            "deactivated_by",
            "effectiveness_pct",
            "notes",
            "flagged",
            "step_completions",
        ]
        read_only_fields = fields

    def get_flagged(self, activation) -> bool:
        return activation.flagged_at is not None


class OutageUpdateSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=UpdateStatus.choices)
    posted_at = serializers.DateTimeField(required=False)

    class Meta:
        model = OutageUpdate
        fields = ["id", "status", "message", "posted_at"]


class OutageEvidenceSerializer(serializers.ModelSerializer):
    probe = serializers.IntegerField(source="result.probe_id")
    location = serializers.CharField(source="result.location")
    observed_at = serializers.DateTimeField(source="result.observed_at")
    outcome = serializers.CharField(source="result.outcome")
    latency_ms = serializers.IntegerField(source="result.latency_ms", allow_null=True)
    status_code = serializers.IntegerField(source="result.status_code", allow_null=True)
    error = serializers.CharField(source="result.error")
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


class OutageSerializer(serializers.ModelSerializer):
    workflow = TenantRelatedField(customer_path="customer", queryset=Workflow.objects.all())
    customer = serializers.IntegerField(source="workflow.customer_id", read_only=True)
    customer_slug = serializers.CharField(source="workflow.customer.slug", read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices)
    duration_seconds = serializers.SerializerMethodField()
    probes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

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


class OutagePatchSerializer(serializers.ModelSerializer):
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


class OutageFilter(filters.FilterSet):
    customer = CustomerRefFilter("workflow__customer")
    state = filters.ChoiceFilter(
        choices=[("open", "open"), ("resolved", "resolved")], method="filter_state"
    )
    since = filters.IsoDateTimeFilter(method="filter_since")
    until = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Outage
        fields = ["customer", "workflow", "state", "since", "until", "severity", "source"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(ended_at__isnull=(value == "open"))

    def filter_since(self, queryset, name, value):
        """Outages still going on at or after `since` (ended after it, or open)."""
        return queryset.filter(Q(ended_at__gte=value) | Q(ended_at=None))


class OutageViewSet(viewsets.ModelViewSet):
    customer_path = "workflow__customer"
    filterset_class = OutageFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = Outage.objects.select_related("workflow__customer").prefetch_related("probes")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "evidence_links",
                    queryset=OutageEvidence.objects.select_related("result").order_by(
                        "result__observed_at", "pk"
                    ),
                ),
                "updates",
                Prefetch(
                    "fallback_activations",
                    queryset=FallbackActivation.objects.prefetch_related("step_completions"),
                ),
            )
        return scope_queryset(queryset, self.request, self.customer_path)

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
        outage.delete()
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


class MaintenanceWindowSerializer(serializers.ModelSerializer):
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


class MaintenanceWindowFilter(filters.FilterSet):
    customer = CustomerRefFilter()
    since = filters.IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt")
    until = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = MaintenanceWindow
        fields = ["customer", "workflows", "since", "until"]


class MaintenanceWindowViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = MaintenanceWindow.objects.prefetch_related("workflows")
    serializer_class = MaintenanceWindowSerializer
    filterset_class = MaintenanceWindowFilter


class FallbackActivateSerializer(serializers.Serializer):
    outage = TenantRelatedField(customer_path="workflow__customer", queryset=Outage.objects.all())
    runbook = TenantRelatedField(customer_path="workflow__customer", queryset=Runbook.objects.all())
    effectiveness_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    activated_at = serializers.DateTimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class FallbackDeactivateSerializer(serializers.Serializer):
    deactivated_at = serializers.DateTimeField(required=False)


class StepCompleteSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=0)
    completed_at = serializers.DateTimeField(required=False)


class FallbackActivationViewSet(
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """`POST` activates a fallback for an outage; `deactivate/` and `steps/` act on one."""

    queryset = FallbackActivation.objects.select_related("runbook").prefetch_related(
        "step_completions"
    )
    serializer_class = FallbackActivationSerializer
    customer_path = "runbook__workflow__customer"
    filterset_fields = ["outage", "runbook", "automatic", "is_drill"]

    @extend_schema(
        request=FallbackActivateSerializer, responses={201: FallbackActivationSerializer}
    )
    def create(self, request):
        serializer = FallbackActivateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        activation = fallback_activate(activated_by=str(request.user), **serializer.validated_data)
        return Response(FallbackActivationSerializer(activation).data, status=201)

    @extend_schema(
        request=FallbackDeactivateSerializer, responses={200: FallbackActivationSerializer}
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        serializer = FallbackDeactivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activation = fallback_deactivate(
            activation=self.get_object(), by=str(request.user), **serializer.validated_data
        )
        return Response(FallbackActivationSerializer(activation).data)

    @extend_schema(request=StepCompleteSerializer, responses={201: StepCompletionSerializer})
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        serializer = StepCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        completion = step_complete(
            activation=self.get_object(), by=str(request.user), **serializer.validated_data
        )
        return Response(StepCompletionSerializer(completion).data, status=201)
