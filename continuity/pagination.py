"""List pages: `?page=N` as ever, and keyset (cursor) paging for the lists that grow.

A view naming a `keyset_ordering` (a unique, stable ordering such as `("-started_at", "-id")`)
gets `next`/`previous` links that carry `?cursor=`: the position of the last (first) row
shown, so the next page is read from an index, however deep, and rows inserted meanwhile
neither repeat nor shift a row out. `?page=N` keeps working there (its `next` is a cursor
too); `count`, `next`, `previous`, `results` stay the response shape.
"""

import base64
import binascii
import json
from collections import OrderedDict
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

_BIGINT = 2**63
BAD_CURSOR = "Not a cursor this list gave out: follow `next` or `previous` as given."


def _field_name(term: str) -> str:
    return term.removeprefix("-")


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def get_page_size(self, request) -> int:
        """A malformed `page_size` is a 400 (DRF would quietly use the default)."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1 or not (raw[0].isascii() and raw[0].isdigit()) or int(raw[0]) < 1:
            raise ValidationError(
                {self.page_size_query_param: ["Give one whole number of at least 1."]}
            )
        return min(int(raw[0]), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.ordering = getattr(view, "keyset_ordering", None)
        if not self.ordering or not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page_size_now = self.get_page_size(request)
        queryset = queryset.order_by(*self.ordering)
        raw = request.query_params.getlist(self.cursor_query_param)
        if raw and self.page_query_param in request.query_params:
            raise ValidationError({self.cursor_query_param: ["Give cursor or page, not both."]})
        if raw:
            return self._cursor_page(queryset, raw)
        rows = super().paginate_queryset(queryset, request, view)
        self.rows = rows
        self.count = self.page.paginator.count
        self.has_next = self.page.has_next()
        self.has_previous = self.page.has_previous()
        return rows

    def _cursor_page(self, queryset: QuerySet, raw: list[str]) -> list:
        position, backwards = self._decode(queryset.model, raw)
        self.count = queryset.count()
        after = queryset.filter(self._beyond(position, backwards))
        if backwards:
            after = after.reverse()
        rows = list(after[: self.page_size_now + 1])
        more = len(rows) > self.page_size_now
        rows = rows[: self.page_size_now]
        if backwards:
            rows.reverse()
        self.has_next, self.has_previous = (True, more) if backwards else (more, True)
        self.rows = rows
        return rows

    def _beyond(self, position: list, backwards: bool) -> Q:
        """Rows after `position` in the ordering (before it, `backwards`)."""
        condition = Q()
        for index, term in enumerate(self.ordering):
            descending = term.startswith("-") != backwards
            lookup = "lt" if descending else "gt"
            step = Q(**{f"{_field_name(term)}__{lookup}": position[index]})
            for earlier, value in zip(self.ordering[:index], position[:index], strict=True):
                step &= Q(**{_field_name(earlier): value})
            condition |= step
        first = self.ordering[0]
        bound = "lte" if first.startswith("-") != backwards else "gte"
        # Implied by the above; spelled out, it is where the index scan starts.
        return Q(**{f"{_field_name(first)}__{bound}": position[0]}) & condition

    def _encode(self, row, backwards: bool) -> str:
        values = [_plain(getattr(row, _field_name(term))) for term in self.ordering]
        text = json.dumps({"p": values, "b": backwards}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _decode(self, model, raw: list[str]) -> tuple[list, bool]:
        try:
            if len(raw) != 1:
                raise ValueError
            padded = raw[0] + "=" * (-len(raw[0]) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            values, backwards = data["p"], data["b"]
            if not isinstance(backwards, bool) or len(values) != len(self.ordering):
                raise ValueError
            position = []
            for term, value in zip(self.ordering, values, strict=True):
                if value is None or isinstance(value, (dict, list, bool)):
                    raise ValueError
                field = model._meta.get_field(_field_name(term))
                value = field.to_python(value)
                if isinstance(value, int) and not -_BIGINT <= value < _BIGINT:
                    raise ValueError
                position.append(value)
        except (
            ValueError,
            TypeError,
            KeyError,
            UnicodeError,
            binascii.Error,
            FieldDoesNotExist,
            DjangoValidationError,
        ) as exc:
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]}) from exc
        return position, backwards

    def _link(self, row, backwards: bool) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self._encode(row, backwards))

    def get_next_link(self):
        if not self.ordering:
            return super().get_next_link()
        rows = self.rows
        return self._link(rows[-1], backwards=False) if self.has_next and rows else None

    def get_previous_link(self):
        if not self.ordering:
            return super().get_previous_link()
        rows = self.rows
        if not self.has_previous:
            return None
        if not rows:  # a page past the end: back to the first
            url = self.request.build_absolute_uri()
            return remove_query_param(remove_query_param(url, self.page_query_param), "cursor")
        return self._link(rows[0], backwards=True)

    def get_paginated_response(self, data):
        if not self.ordering:
            return super().get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if getattr(view, "keyset_ordering", None):
            parameters.append(
                {
                    "name": self.cursor_query_param,
                    "required": False,
                    "in": "query",
                    "description": "A position in the list, as `next` and `previous` give it "
                    "(keyset paging: deep pages cost what the first does).",
                    "schema": {"type": "string"},
                }
            )
        return parameters
