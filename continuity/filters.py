"""The list endpoints' filters: one base for every filterset, and shared filter fields."""

from django.core.exceptions import ValidationError
from django_filters import fields
from django_filters import rest_framework as filters

from continuity.ids import parse_id
from continuity.timestamps import OUT_OF_RANGE, instant_problem


class AnyIdField(fields.ModelChoiceField):
    """An object id, whether or not the object exists.

    A missing id filters to nothing, exactly like an id the tenant may not see, so the
    answer never tells whether another customer's object exists.
    """

    default_error_messages = {"invalid_id": "Enter an object id (a positive whole number)."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if self.null_label is not None and value == self.null_value:
            return value
        object_id = parse_id(value)
        if object_id is None:
            raise ValidationError(self.error_messages["invalid_id"], code="invalid_id")
        return object_id


class AnyIdsField(fields.ModelMultipleChoiceField):
    """Several object ids, whether or not the objects exist (see AnyIdField)."""

    default_error_messages = {"invalid_id": "Enter object ids (positive whole numbers)."}

    def _check_values(self, value):
        ids = [v if v == self.null_value else parse_id(v) for v in value]
        if None in ids:
            raise ValidationError(self.error_messages["invalid_id"], code="invalid_id")
        return ids


class IdFilter(filters.ModelChoiceFilter):
    field_class = AnyIdField


class IdsFilter(filters.ModelMultipleChoiceFilter):
    field_class = AnyIdsField


_BY_ID = {filters.ModelChoiceFilter: IdFilter, filters.ModelMultipleChoiceFilter: IdsFilter}


class FilterSet(filters.FilterSet):
    """Every filterset's base: relations are filtered by id without checking existence."""

    FILTER_DEFAULTS = {
        field: {**spec, "filter_class": _BY_ID.get(spec["filter_class"], spec["filter_class"])}
        for field, spec in filters.FilterSet.FILTER_DEFAULTS.items()
    }


class FilterBackend(filters.DjangoFilterBackend):
    """Builds the filtersets of `filterset_fields` on our base."""

    filterset_base = FilterSet


class InstantField(fields.IsoDateTimeField):
    """An ISO 8601 time in the range SPEC §6 accepts (see `continuity.timestamps`)."""

    default_error_messages = {"out_of_range": f"The time {OUT_OF_RANGE}."}

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is not None and instant_problem(instant):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return instant


class InstantFilter(filters.IsoDateTimeFilter):
    """`since`/`until` style filters: ISO 8601, range-checked (see InstantField)."""

    field_class = InstantField


class CustomerRefFilter(filters.CharFilter):
    """`?customer=` by id or slug, reaching the customer through `path`."""

    def __init__(self, path: str = "customer", **kwargs):
        self.path = path
        kwargs.setdefault("help_text", "customer id or slug")
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        customer_id = parse_id(value)
        if customer_id is not None:
            return queryset.filter(**{f"{self.path}__pk": customer_id})
        return queryset.filter(**{f"{self.path}__slug": value})
