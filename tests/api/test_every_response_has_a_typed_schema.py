"""Every JSON response in the OpenAPI schema is a component with properties, never a bare
`type: object` (issue 15, item 3)."""

import json
from collections.abc import Iterator

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# Free-form by design: header name to a literal value or to {"env": …}.
FREE_FORM = {"#/components/schemas/Probe.headers"}


def schema(tmp_path) -> dict:
    path = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(path),
    )
    return json.loads(path.read_text())


def resolve(node: dict, components: dict) -> dict:
    ref = node.get("$ref")
    return components[ref.rsplit("/", 1)[1]] if ref else node


def bare_objects(node, components: dict, where: str, seen: set) -> Iterator[str]:
    """Every place under ``node`` that is an object with neither properties nor a typed
    additionalProperties."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref:
        if ref not in seen:
            seen.add(ref)
            yield from bare_objects(resolve(node, components), components, ref, seen)
        return
    if node.get("type") == "object" and not node.get("properties"):
        extra = node.get("additionalProperties")
        if not isinstance(extra, dict) or not extra:
            yield where
    for key in ("properties",):
        for name, child in node.get(key, {}).items():
            yield from bare_objects(child, components, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from bare_objects(node[key], components, f"{where}[{key}]", seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for index, child in enumerate(node.get(key, [])):
            yield from bare_objects(child, components, f"{where}.{key}[{index}]", seen)


def json_responses(doc: dict) -> Iterator[tuple[str, dict]]:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    if "json" in media:
                        yield f"{method.upper()} {path} {status} {media}", content["schema"]


def test_every_json_response_is_a_component(tmp_path):
    doc = schema(tmp_path)
    inline = [
        where
        for where, body in json_responses(doc)
        if "$ref" not in body and body.get("type") != "array"
    ]
    assert inline == []


def test_no_response_is_a_bare_object(tmp_path):
    doc = schema(tmp_path)
    components = doc["components"]["schemas"]
    bare = [
        place
        for where, body in json_responses(doc)
        for place in bare_objects(body, components, where, set())
        if place not in FREE_FORM
    ]
    assert bare == []
