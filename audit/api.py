"""`GET /api/v1/audit-events/`: the audit trail, read-only and scoped to the key's customer."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from audit.selectors import (
    OBJECT_TYPES,
    AuditQuery,
    audit_event_get,
    audit_event_rows,
    audit_events,
)
from continuity.models import Customer
from continuity.tenancy import request_customer_id

CHANNELS = ["api", "console", "admin", "system"]


class AuditEventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`<table>-<number>`, e.g. `outage-42`")
    at = serializers.DateTimeField()
    actor = serializers.CharField(
        allow_null=True, help_text="A user name, or `api-key:<name>`; null for the system."
    )
    channel = serializers.ChoiceField(choices=CHANNELS)
    customer = serializers.IntegerField(allow_null=True)
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    action = serializers.CharField(help_text="create, update, delete; a child's: step_create…")
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="{field: [before, after]}",
    )


class AuditEventQuerySerializer(serializers.Serializer):
    customer = serializers.CharField(required=False, help_text="customer id or slug")
    object_type = serializers.ChoiceField(choices=OBJECT_TYPES, required=False)
    object_id = serializers.IntegerField(required=False, min_value=1)
    actor = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False, help_text="events at or after")
    until = serializers.DateTimeField(required=False, help_text="events before")

    def validate_customer(self, value: str) -> int:
        if value.isdigit():
            return int(value)
        return Customer.objects.filter(slug=value).values_list("pk", flat=True).first() or 0


class AuditEventViewSet(viewsets.GenericViewSet):
    """Every change the figures rest on: who, when, through which channel, before → after."""

    serializer_class = AuditEventSerializer
    filter_backends = []
    lookup_value_regex = r"[a-z_]+-[0-9]+"

    @extend_schema(parameters=[AuditEventQuerySerializer])
    def list(self, request):
        params = AuditEventQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = AuditQuery(tenant=request_customer_id(request), **params.validated_data)
        page = self.paginate_queryset(audit_event_rows(query))
        return self.get_paginated_response(AuditEventSerializer(audit_events(page), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH)])
    def retrieve(self, request, pk=None):
        event = audit_event_get(event_id=pk, tenant=request_customer_id(request))
        if event is None:
            raise Http404
        return Response(AuditEventSerializer(event).data)
