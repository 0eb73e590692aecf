"""Text the database can store (pure).

PostgreSQL refuses NUL in `text` and `jsonb`, and a lone surrogate (JSON's "\\ud800")
cannot be encoded as UTF-8 at all: either would fail at INSERT time as a 500. DRF's
CharField already refuses both; this covers what it does not see (JSON values, mapping
keys, the hand-written ingest validator).
"""

import re
from collections.abc import Mapping

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000)"
    if _SURROGATE.search(value):
        return "must not contain lone surrogates (invalid Unicode)"
    return None


def json_text_problem(value: object) -> str | None:
    """Why a decoded JSON value (its strings and object keys, at any depth) cannot be stored."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, Mapping):
            strings = [key for key in item if isinstance(key, str)]
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            strings = []
            pending.extend(item)
        else:
            continue
        for text in strings:
            if problem := text_problem(text):
                return problem
    return None
