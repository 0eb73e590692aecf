"""The one range rule for times and the one rule for storable text (pure)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuity.text import json_text_problem, text_problem
from continuity.timestamps import MAX_UTC_OFFSET, OUT_OF_RANGE, instant_problem


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "text",
    [
        "2000-01-01T00:00:00Z",
        "2100-12-31T23:59:59.999999Z",
        "2026-06-01T00:00:00+14:00",
        "2026-06-01T00:00:00-14:00",
        "2000-01-01T00:00:00-05:00",
        "2026-06-01T00:00:00",  # naive: only its year is judged
    ],
)
def test_times_in_range(text):
    assert instant_problem(at(text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00+01:00",  # 1999 in UTC
        "2100-12-31T23:00:00-05:00",  # 2101 in UTC
        "2101-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "2026-06-01T00:00:00+14:01",
        "2026-06-01T00:00:00-23:59",
    ],
)
def test_times_out_of_range(text):
    assert instant_problem(at(text)) == OUT_OF_RANGE


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.builds(
            timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
        ),
    )
)
def test_accepted_times_are_in_range_both_locally_and_in_utc(value):
    accepted = instant_problem(value) is None
    offset_ok = abs(value.utcoffset()) <= MAX_UTC_OFFSET
    expected = offset_ok and 2000 <= value.year <= 2100
    if expected:
        expected = 2000 <= value.astimezone(UTC).year <= 2100
    assert accepted == expected


@pytest.mark.parametrize(
    "value, problem",
    [
        ("plain text, ünïcode, 日本語, emoji 🙂", None),
        ("nul\x00inside", "NUL"),
        ("\ud800", "surrogate"),
        ("tail \udfff", "surrogate"),
    ],
)
def test_text_problem(value, problem):
    found = text_problem(value)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    "value, bad",
    [
        ({"contains": "ok"}, False),
        ({"json_path": "$.a", "equals": [1, 2.5, None, True, {"k": "v"}]}, False),
        ({"contains": "\x00"}, True),
        ({"\ud800": 1}, True),
        ([[["deep", ["deeper\x00"]]]], True),
        ({"a": {"b": {"c": "\udc00"}}}, True),
        ("\x00", True),
        (42, False),
    ],
)
def test_json_text_problem_looks_at_every_string_and_key(value, bad):
    assert (json_text_problem(value) is not None) == bad
