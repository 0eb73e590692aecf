"""The error answers of the API, documented once for every operation of the schema.

The views raise them through one exception handler (continuity/exceptions.py), so they
are the same everywhere: rather than an `extend_schema` on each view, a drf-spectacular
postprocessing hook adds them to each operation that can give them.
"""

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "An error. `detail` says what went wrong; a 400 names each bad field instead, "
        'as `{"<field>": ["<message>", ...]}`; a 409 from a delete lists what still '
        "refers to the object in `referenced_by`."
    ),
    "properties": {
        "detail": {"type": "string"},
        "referenced_by": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "additionalProperties": True,
}

ALWAYS = {
    "400": "Bad input: a query parameter or field fails validation (each one is named).",
    "404": "No such object, or an object of another customer.",
    "429": "Too many requests from this key or address; retry after `Retry-After` seconds.",
}
AUTHENTICATED = {
    "401": "A missing, invalid or revoked API key.",
    "403": "The key lacks the scope, or the operation is for staff only.",
}
CHANGES = {
    "409": "The change conflicts with the object's state, or others still refer to it.",
}
WITH_BODY = {
    "413": "The request body is larger than this endpoint accepts.",
    "415": "The request body is not JSON or a form.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the request may be made again.",
        "required": True,
        "schema": {"type": "integer"},
    }
}
READ_METHODS = {"get", "head", "options"}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    shared = components.setdefault("responses", {})
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status, description in _error_statuses(method, operation).items():
                shared[f"Error{status}"] = _error_response(status, description)
                responses.setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
    components["responses"] = dict(sorted(shared.items()))
    return result


def _error_statuses(method: str, operation: dict[str, Any]) -> dict[str, str]:
    statuses = dict(ALWAYS)
    if any(operation.get("security", [])):
        statuses.update(AUTHENTICATED)
    if method not in READ_METHODS:
        statuses.update(CHANGES)
    if "requestBody" in operation:
        statuses.update(WITH_BODY)
    return dict(sorted(statuses.items()))


def _error_response(status: str, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }
    if status == "429":
        response["headers"] = RETRY_AFTER
    return response
