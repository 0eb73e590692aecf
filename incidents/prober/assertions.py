"""Body assertions of `http` probes (pure): a JSON path, and why a body fails its assertion.

Shared by ``spec`` (validating a probe's stored assertion) and ``http`` (checking a response).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]")


def parse_json_path(path: object) -> tuple[str | int, ...]:
    """``$.data.items[0]["a b"]`` as keys and indexes; ValueError on anything else."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueError("must start with '$', e.g. $.status or $.checks[0].state")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"cannot parse {path!r} at position {position}")
        name, index, quoted, single = match.groups()
        steps.append(int(index) if index is not None else (name or quoted or single or ""))
        position = match.end()
    return tuple(steps)


def json_path_get(document: Any, path: str) -> Any:
    """The value at ``path``; LookupError naming the missing step."""
    value = document
    walked = "$"
    for step in parse_json_path(path):
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                raise LookupError(f"{walked} has no item [{step}]")
            value = value[step]
            walked += f"[{step}]"
        else:
            if not isinstance(value, dict) or step not in value:
                raise LookupError(f"{walked} has no key {step!r}")
            value = value[step]
            walked += f".{step}"
    return value


def assertion_failure(assertion: Mapping[str, Any] | None, body: str) -> str | None:
    """Why the body fails the probe's assertion, or None when it passes (or there is none)."""
    if not assertion:
        return None
    if "contains" in assertion:
        needle = assertion["contains"]
        if needle in body:
            return None
        return f"body assertion failed: response does not contain {_short(needle)}"
    path, expected = assertion["json_path"], assertion["equals"]
    try:
        document = json.loads(body)
    except ValueError:
        return f"body assertion failed: response is not JSON, so {path} cannot be checked"
    try:
        actual = json_path_get(document, path)
    except LookupError as exc:
        return f"body assertion failed: {exc}"
    if actual != expected:
        return (
            f"body assertion failed: {path} is {_short(json.dumps(actual))}, "
            f"expected {_short(json.dumps(expected))}"
        )
    return None


def _short(text: str, limit: int = 120) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text) if not text.startswith(('"', "[", "{")) else text
