"""The event endpoints page: each customer's endpoints and the delivery log."""

from dataclasses import dataclass

from django.db.models import Count, Q

from continuity.models import Customer, DeliveryState, EventDelivery, EventEndpoint

LOG_SIZE = 100


@dataclass(frozen=True)
class EventsPage:
    customers: list[Customer]
    customer: str
    endpoints: list[EventEndpoint]
    deliveries: list[EventDelivery]


def events_page_get(*, customer: str = "", endpoint: int | None = None) -> EventsPage:
    """Endpoints (with delivery counts) and the latest deliveries, optionally of one customer
    or one endpoint; a fixed number of queries whatever the data."""
    endpoints = EventEndpoint.objects.select_related("customer").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
        ),
    )
    deliveries = EventDelivery.objects.select_related("endpoint__customer")
    if customer:
        endpoints = endpoints.filter(customer__slug=customer)
        deliveries = deliveries.filter(endpoint__customer__slug=customer)
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint)
    return EventsPage(
        customers=list(Customer.objects.order_by("name")),
        customer=customer,
        endpoints=list(endpoints.order_by("customer__name", "id")),
        deliveries=list(deliveries.order_by("-created_at", "-id")[:LOG_SIZE]),
    )
