"""Probes (CRUD) and probe results: batch ingestion and listing."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from continuity.fields import (
    InstantField,
    ModelSerializer,
    StorableJSONField,
    TenantRelatedField,
)
from continuity.filters import CustomerRefFilter, FilterSet, InstantFilter
from continuity.models import Scope, Workflow
from continuity.parsers import LargeJSONParser
from continuity.rows import UpdateExistingMixin
from continuity.tenancy import TenantScopedMixin, request_customer_id
from incidents.ingest.services import BatchRejected, probe_results_ingest
from incidents.models import (
    Probe,
    ProbeResult,
)
from incidents.prober.outbound import configured_policy, target_refusal
from incidents.prober.spec import (
    ENV_NAME,
    HTTP_METHODS,
    RUN_FIELDS,
    RUNNABLE_KINDS,
    assertion_errors,
    header_errors,
    runnable_probe_errors,
)


class ProbeSerializer(ModelSerializer):
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
        child=StorableJSONField(),
        required=False,
        help_text='Header name to a literal value, or {"env": "PROBE_…"} for a secret read '
        "from the environment of the worker or agent running the probe (never stored); "
        "only variables named PROBE_… or listed in the runner's PROBE_SECRETS.",
    )
    body_assertion = StorableJSONField(
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
        run = {name: attrs.get(name, getattr(self.instance, name, None)) for name in RUN_FIELDS}
        errors = runnable_probe_errors(run)
        if errors:
            raise serializers.ValidationError(errors)
        if run["kind"] in RUNNABLE_KINDS:
            refused = target_refusal(run["target"], configured_policy())
            if refused:
                raise serializers.ValidationError({"target": [f"The {refused}."]})
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["quorum"] = instance.effective_quorum
        return data


class ProbeFilter(FilterSet):
    customer = CustomerRefFilter("workflow__customer")
    location = filters.CharFilter(method="filter_location")

    class Meta:
        model = Probe
        fields = ["workflow", "kind", "enabled", "customer", "location"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(pk__in=[p.pk for p in queryset if value in p.locations])


class ProbeViewSet(TenantScopedMixin, UpdateExistingMixin, viewsets.ModelViewSet):
    queryset = Probe.objects.select_related("workflow")
    serializer_class = ProbeSerializer
    filterset_class = ProbeFilter
    customer_path = "workflow__customer"


class ProbeResultItemSerializer(serializers.Serializer):
    probe = serializers.IntegerField()
    location = serializers.CharField()
    observed_at = InstantField()
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


class ProbeResultSerializer(ModelSerializer):
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


class ProbeResultFilter(FilterSet):
    since = InstantFilter(field_name="observed_at", lookup_expr="gte")
    until = InstantFilter(field_name="observed_at", lookup_expr="lt")

    class Meta:
        model = ProbeResult
        fields = ["probe", "location", "outcome", "since", "until"]


class ProbeResultViewSet(TenantScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`POST` a batch of up to 5,000 results (all or nothing); `GET` lists stored results."""

    queryset = ProbeResult.objects.order_by("-observed_at", "-pk")
    keyset_ordering = ("-observed_at", "-id")
    serializer_class = ProbeResultSerializer
    filterset_class = ProbeResultFilter
    customer_path = "probe__workflow__customer"
    write_scope = Scope.INGEST
    parser_classes = [LargeJSONParser]  # a full batch is large, and no form can carry one

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
            summary = probe_results_ingest(
                items=body["results"], customer_id=request_customer_id(request)
            )
        except BatchRejected as rejected:
            return Response(_batch_error_body(rejected, len(body["results"])), status=400)
        return Response(
            {"accepted": summary.accepted, "duplicates": summary.duplicates},
            status=status.HTTP_201_CREATED,
        )


def _batch_error_body(rejected: BatchRejected, size: int) -> dict:
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
