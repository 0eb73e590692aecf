"""Event endpoints (where a customer's events go) and the delivery log."""

from rest_framework import mixins, serializers, viewsets

from continuity.fields import CustomerField, ModelSerializer
from continuity.filters import CustomerRefFilter, FilterSet
from continuity.models import EventDelivery, EventEndpoint, EventKind, EventType
from continuity.rows import UpdateExistingMixin
from continuity.tenancy import TenantScopedMixin
from incidents.services.events import endpoint_url_error, event_endpoint_create


class EventEndpointSerializer(ModelSerializer):
    customer = CustomerField()
    url = serializers.CharField(
        max_length=2000,
        help_text=(
            "webhook, slack, teams: an http(s) URL; email: mailto:a@example.com[,b@example.com];"
            " apprise: any URL Apprise understands (json://, ntfy://, tgram://, …)."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False
    )

    class Meta:
        model = EventEndpoint
        fields = ["id", "customer", "kind", "url", "events", "active", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        kind = attrs.get("kind", instance.kind if instance else EventKind.WEBHOOK)
        url = attrs.get("url", instance.url if instance else "")
        if "kind" in attrs or "url" in attrs:
            error = endpoint_url_error(kind=kind, url=url)
            if error:
                raise serializers.ValidationError({"url": [error]})
        return attrs

    def create(self, validated_data: dict) -> EventEndpoint:
        return event_endpoint_create(**validated_data)


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
    """Where the customer's events go: signed webhooks, Slack, Teams, email or Apprise URLs."""

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
