"""The prober's pure rules, table-driven: schedule slots, leases, JSON paths, validation."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.prober import schedule
from incidents.prober.agent import next_due
from incidents.prober.assertions import json_path_get, parse_json_path
from incidents.prober.http import classify_response
from incidents.prober.spec import (
    CheckSpec,
    assertion_errors,
    header_errors,
    redact,
    runnable_probe_errors,
)

T0 = datetime(2026, 10, 14, 13, 0, tzinfo=UTC)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [
        (None, T0, T0 + s(30)),  # never run: the grid starts now
        (T0, T0, T0 + s(30)),  # on time
        (T0, T0 + s(1), T0 + s(30)),  # a little late: same grid
        (T0, T0 + s(30), T0 + s(60)),  # exactly one slot later
        (T0, T0 + s(3600), T0 + s(3630)),  # an hour of missed slots: none replayed
        (T0 + s(30), T0, T0 + s(30)),  # not due yet
    ],
)
def test_next_slot_skips_missed_slots(previous, now, expected):
    assert schedule.next_slot(previous, 30, now) == expected


@given(
    interval=st.integers(min_value=5, max_value=86_400),
    late=st.integers(min_value=0, max_value=10_000_000),
)
def test_next_slot_is_the_first_grid_slot_after_now(interval, late):
    now = T0 + s(late)
    following = schedule.next_slot(T0, interval, now)
    assert now < following <= now + s(interval)
    assert (following - T0) % s(interval) == timedelta(0)


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [(0.0, 0.0, 5.0), (0.0, 4.9, 5.0), (0.0, 17.0, 20.0), (10.0, 3.0, 10.0)],
)
def test_agent_next_due(previous, now, expected):
    assert next_due(previous, 5, now) == expected


def test_leases():
    lease = schedule.new_lease("tok", T0, timeout_ms=10_000)
    assert lease == {"token": "tok", "until": (T0 + s(40)).isoformat()}
    assert not schedule.lease_free(lease, T0 + s(39))
    assert schedule.lease_free(lease, T0 + s(40))
    assert schedule.lease_free(None, T0)
    assert schedule.lease_free({"until": "garbage"}, T0)


def test_stale_dispatch():
    assert not schedule.dispatch_is_stale(T0, 30, T0 + s(30))
    assert schedule.dispatch_is_stale(T0, 30, T0 + s(31))


DOC = {"status": "ok", "data": {"items": [{"name": "a"}, {"name": "b b"}]}, "x y": 1}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$", DOC),
        ("$.status", "ok"),
        ("$.data.items[1].name", "b b"),
        ('$["x y"]', 1),
        ("$['data']['items'][0]", {"name": "a"}),
    ],
)
def test_json_path_get(path, value):
    assert json_path_get(DOC, path) == value


@pytest.mark.parametrize(
    ("path", "message"),
    [("$.data.items[5]", r"\$.data.items has no item \[5\]"), ("$.nope", "has no key 'nope'")],
)
def test_json_path_missing(path, message):
    with pytest.raises(LookupError, match=message):
        json_path_get(DOC, path)


@pytest.mark.parametrize("path", ["status", "$.", "$..a", "$[x]", 5])
def test_json_path_syntax_errors(path):
    with pytest.raises(ValueError):
        parse_json_path(path)


@pytest.mark.parametrize(
    ("status", "latency", "expected"),
    [
        (200, 10, ("up", "")),
        (204, 10, ("up", "")),
        (301, 10, ("down", "HTTP 301 Moved, expected 2xx")),
        (503, 10, ("down", "HTTP 503 Moved, expected 2xx")),
        (200, 900, ("degraded", "slow: 900 ms, above the 500 ms threshold")),
    ],
)
def test_classify_response(status, latency, expected):
    spec = CheckSpec(probe_id=1, kind="http", target="x", degraded_latency_ms=500)
    got = classify_response(spec, status_code=status, reason="Moved", body="", latency_ms=latency)
    assert got == expected


@pytest.mark.parametrize(
    ("headers", "errors"),
    [
        ({}, []),
        ({"Accept": "application/json", "Authorization": {"env": "VENDOR_TOKEN"}}, []),
        ({"X-Api-Key": {"env": "K"}}, []),
        ({"Authorization": "Bearer sk-123"}, ["Authorization carries a credential"]),
        ({"X-Api-Key": "abc"}, ["X-Api-Key carries a credential"]),
        ({"Cookie": "session=1"}, ["Cookie carries a credential"]),
        ({"Authorization": {"env": "sk-live-123"}}, ['Authorization: use {"env": "VARIABLE"}']),
        ({"Bad Name": "1"}, ["'Bad Name' is not a valid header name"]),
        ({"X-A": "1\r\nX-B: 2"}, ["X-A: a header value must be a single-line string"]),
        ([], ["must be an object"]),
    ],
)
def test_header_validation_never_echoes_values(headers, errors):
    found = header_errors(headers)
    assert len(found) == len(errors)
    for message, start in zip(found, errors, strict=True):
        assert message.startswith(start)
        assert "sk-" not in message and "Bearer" not in message and "abc" not in message


@pytest.mark.parametrize(
    ("assertion", "ok"),
    [
        (None, True),
        ({"contains": "ok"}, True),
        ({"json_path": "$.a", "equals": None}, True),
        ({"contains": ""}, False),
        ({"json_path": "a", "equals": 1}, False),
        ({"json_path": "$.a"}, False),
        ("ok", False),
    ],
)
def test_assertion_validation(assertion, ok):
    assert (assertion_errors(assertion) == []) is ok


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"kind": "external", "target": ""}, set()),
        ({"kind": "http", "target": "https://api.example/health"}, set()),
        ({"kind": "http", "target": "ftp://x"}, {"target"}),
        ({"kind": "http", "target": "https://user:pw@api.example/"}, {"target"}),
        ({"kind": "llm", "target": "https://api.openai.com/v1"}, {"llm_model"}),
        ({"kind": "statuspage", "target": "https://status.x"}, {"statuspage_component"}),
    ],
)
def test_runnable_probe_validation(values, fields):
    errors = runnable_probe_errors(values)
    assert set(errors) == fields
    assert "pw" not in str(errors)


def test_redaction():
    text = "key Bearer sk-abcdef rejected; sk-abcdef again; short ab stays"
    assert redact(text, ["Bearer sk-abcdef", "ab"]) == (
        "key [redacted] rejected; [redacted] again; short ab stays"
    )
