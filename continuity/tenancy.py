"""Tenant scoping in one place: what customer (if any) a request is bound to."""

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound, ValidationError

from continuity.ids import parse_id
from continuity.models import Customer


def request_customer_id(request) -> int | None:
    """The customer a request is bound to, or None for staff (who see every customer)."""
    key = getattr(request, "auth", None)
    return getattr(key, "customer_id", None)


def scope_queryset(queryset: QuerySet, request, customer_path: str) -> QuerySet:
    customer_id = request_customer_id(request)
    if customer_id is None:
        return queryset
    lookup = "pk" if customer_path == "" else f"{customer_path}_id"
    return queryset.filter(**{lookup: customer_id})


def visible_customers(request) -> QuerySet[Customer]:
    return scope_queryset(Customer.objects.all(), request, "")


def requested_customer(request) -> Customer:
    """The customer named by `?customer=<slug or id>` (a customer key may leave it out);
    one the request may not see is a 404, like one that does not exist."""
    reference = request.query_params.get("customer")
    customers = visible_customers(request)
    if not reference:
        bound = request_customer_id(request)
        if bound is None:
            raise ValidationError({"customer": ["customer=<slug> is required."]})
        return customers.get(pk=bound)
    customer_id = parse_id(reference)
    lookup = {"slug": reference} if customer_id is None else {"pk": customer_id}
    customer = customers.filter(**lookup).first()
    if customer is None:
        raise NotFound(f"No customer '{reference}'.")
    return customer


class TenantScopedMixin:
    """A viewset mixin: `customer_path` names how the model reaches its customer."""

    customer_path: str = "customer"

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request, self.customer_path)


def usable_policies(customer_id: int | None):
    """SLA policies a tenant may use: its own and the shared ones (staff: every policy)."""
    from continuity.models import SLAPolicy

    policies = SLAPolicy.objects.all()
    if customer_id is None:
        return policies
    return policies.filter(Q(customer_id=customer_id) | Q(customer=None))
