"""Serializer fields shared by the apps' APIs."""

from datetime import datetime

from django.db import models
from rest_framework import serializers

from continuity.ids import parse_id
from continuity.models import Customer
from continuity.tenancy import request_customer_id, scope_queryset, usable_policies
from continuity.text import json_text_problem
from continuity.timestamps import OUT_OF_RANGE, instant_problem


class InstantField(serializers.DateTimeField):
    """A time in the range SPEC §6 accepts, checked before it is converted to UTC."""

    default_error_messages = {"out_of_range": f"The time {OUT_OF_RANGE}."}

    def enforce_timezone(self, value: datetime) -> datetime:
        if instant_problem(value):
            self.fail("out_of_range")
        return super().enforce_timezone(value)


class StorableJSONField(serializers.JSONField):
    """Any JSON whose strings and keys PostgreSQL can store (no NUL, no lone surrogate)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if problem := json_text_problem(value):
            raise serializers.ValidationError(f"Text {problem}.")
        return value


class ModelSerializer(serializers.ModelSerializer):
    # The base of the API's model serializers: model times and JSON get the checked fields.
    # (A comment, not a docstring: drf-spectacular would copy one into every component.)

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: InstantField,
        models.JSONField: StorableJSONField,
    }


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key reference limited to the objects the request's tenant may see.

    Another tenant's object is reported as not existing, never as forbidden.
    """

    def __init__(self, *, customer_path: str, **kwargs):
        self.customer_path = customer_path
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset
        return scope_queryset(queryset, request, self.customer_path)


class CustomerField(TenantRelatedField):
    """A customer given by id or by slug."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Customer.objects.all())
        super().__init__(customer_path="", **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and parse_id(data) is None:
            customer = self.get_queryset().filter(slug=data).first()
            if customer is None:
                self.fail("does_not_exist", pk_value=data)
            return customer
        return super().to_internal_value(data)


class PolicyField(serializers.PrimaryKeyRelatedField):
    """An SLA policy the tenant may use: its own or a shared one."""

    def get_queryset(self):
        request = self.context.get("request")
        return usable_policies(request_customer_id(request) if request is not None else None)
