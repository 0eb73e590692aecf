"""Every serializer of the API checks the times and the JSON it accepts, so a new
endpoint or a new model field gets the range and text checks without anyone asking."""

import pytest
from rest_framework import serializers

import continuity.api_urls  # noqa: F401 (imports every API module)
from continuity.fields import InstantField, StorableJSONField

APPS = ("continuity.", "incidents.", "reports.", "console.")
# Response shapes for the schema only: they never read a request.
RESPONSE_ONLY = ("reports.api_schemas",)
# Alertmanager writes "0001-01-01T00:00:00Z" for "not set": its alerts are parsed leniently,
# and each mapped result is range-checked by the ingest validator (then skipped with a reason).
LENIENT = {("AlertmanagerAlertSerializer", "startsAt"), ("AlertmanagerAlertSerializer", "endsAt")}


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _abstract(cls) -> bool:
    return issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta")


API_SERIALIZERS = sorted(
    {
        cls
        for cls in _all_subclasses(serializers.Serializer)
        if cls.__module__.startswith(APPS)
        and not cls.__module__.startswith(RESPONSE_ONLY)
        and not _abstract(cls)
    },
    key=lambda cls: f"{cls.__module__}.{cls.__name__}",
)


def _writable_fields(serializer, owner: str):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        yield from _field_and_children(field, owner, name)


def _field_and_children(field, owner: str, name: str):
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    if isinstance(field, serializers.Serializer):
        yield from _writable_fields(field, type(field).__name__)
        return
    yield owner, name, field
    if isinstance(field, serializers.ListField | serializers.DictField):
        yield from _field_and_children(field.child, owner, name)


def test_the_api_serializers_were_found():
    names = {cls.__name__ for cls in API_SERIALIZERS}
    assert {"OutageSerializer", "FallbackActivateSerializer", "ProbeSerializer"} <= names


@pytest.mark.parametrize("serializer_class", API_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_writable_times_and_json_use_the_checked_fields(serializer_class):
    for owner, name, field in _writable_fields(serializer_class(), serializer_class.__name__):
        if isinstance(field, serializers.DateTimeField) and (owner, name) not in LENIENT:
            assert isinstance(field, InstantField), f"{owner}.{name} is not an InstantField"
        if isinstance(field, serializers.JSONField):
            assert isinstance(field, StorableJSONField), f"{owner}.{name} is unchecked JSON"
