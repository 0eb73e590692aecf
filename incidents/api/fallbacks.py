"""Fallback activations: activate, deactivate, complete runbook steps."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from continuity.fields import InstantField, ModelSerializer, TenantRelatedField
from continuity.models import FallbackActivation, Runbook, StepCompletion
from continuity.tenancy import TenantScopedMixin
from incidents.models import (
    Outage,
)
from incidents.services.fallbacks import fallback_activate, fallback_deactivate, step_complete


class StepCompletionSerializer(ModelSerializer):
    order = serializers.IntegerField(source="step_order")

    class Meta:
        model = StepCompletion
        fields = ["order", "title", "completed_at", "completed_by"]


class FallbackActivationSerializer(ModelSerializer):
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


class FallbackActivateSerializer(serializers.Serializer):
    outage = TenantRelatedField(customer_path="workflow__customer", queryset=Outage.objects.all())
    runbook = TenantRelatedField(customer_path="workflow__customer", queryset=Runbook.objects.all())
    effectiveness_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    activated_at = InstantField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class FallbackDeactivateSerializer(serializers.Serializer):
    deactivated_at = InstantField(required=False)


class StepCompleteSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=0)
    completed_at = InstantField(required=False)


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
