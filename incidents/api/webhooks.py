"""Results from external monitors: the Prometheus Alertmanager webhook receiver.

Configure Alertmanager with a webhook receiver pointing at
``/api/v1/webhooks/alertmanager/`` and ``http_config.authorization.credentials`` set to
an API key with the ``ingest`` scope; label the alerts with ``continuity_probe`` (and
``continuity_location``). See README "Probing".
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from continuity.models import Scope
from continuity.parsers import JSONParser
from continuity.tenancy import request_customer_id
from incidents.ingest.services import alertmanager_alerts_ingest


class AlertmanagerAlertSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True))
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False
    )
    startsAt = serializers.DateTimeField()  # noqa: N815 (Alertmanager's field names)
    endsAt = serializers.DateTimeField(required=False, allow_null=True)  # noqa: N815
    generatorURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=64)


class AlertmanagerPayloadSerializer(serializers.Serializer):
    version = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    receiver = serializers.CharField(required=False, allow_blank=True)
    groupKey = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    alerts = AlertmanagerAlertSerializer(many=True, allow_empty=True)


class AlertmanagerWebhookView(APIView):
    """Alertmanager webhook: firing alerts are `down` results, resolved ones `up`."""

    write_scope = Scope.INGEST
    parser_classes = [JSONParser]  # what Alertmanager sends; no form can carry the alerts

    @extend_schema(
        request=AlertmanagerPayloadSerializer,
        responses={
            200: inline_serializer(
                "AlertmanagerWebhookResponse",
                {
                    "accepted": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "skipped": inline_serializer(
                        "AlertmanagerSkippedAlert",
                        {"index": serializers.IntegerField(), "reason": serializers.CharField()},
                        many=True,
                    ),
                },
            )
        },
    )
    def post(self, request):
        payload = AlertmanagerPayloadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        summary, skipped = alertmanager_alerts_ingest(
            alerts=payload.validated_data["alerts"], customer_id=request_customer_id(request)
        )
        return Response(
            {"accepted": summary.accepted, "duplicates": summary.duplicates, "skipped": skipped},
            status=status.HTTP_200_OK,
        )
