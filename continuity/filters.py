"""Filter fields shared by the apps' list endpoints."""

from django_filters import rest_framework as filters


class CustomerRefFilter(filters.CharFilter):
    """`?customer=` by id or slug, reaching the customer through `path`."""

    def __init__(self, path: str = "customer", **kwargs):
        self.path = path
        kwargs.setdefault("help_text", "customer id or slug")
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        lookup = "pk" if value.isdigit() else "slug"
        return queryset.filter(**{f"{self.path}__{lookup}": value})
