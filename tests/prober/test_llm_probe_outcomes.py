"""A local OpenAI-compatible stub drives every outcome of an `llm` probe."""

import json
from decimal import Decimal

import pytest

from incidents.prober.llm import (
    MalformedStream,
    StreamStats,
    classify_stream,
    feed_line,
    retry_delay,
    tokens_per_second,
)
from incidents.prober.runner import run_checks_sync
from incidents.prober.spec import CheckSpec
from tests.live import free_port

SECRET = "sk-test-0123456789abcdefSECRET"


def probe(url: str, **options) -> CheckSpec:
    return CheckSpec(
        probe_id=3,
        kind="llm",
        target=url + "/v1",
        llm_model="gpt-test",
        llm_api_key_env="LLM_KEY",
        llm_max_tokens=8,
        **{"timeout_ms": 5000, **options},
    )


def run(spec: CheckSpec):
    [result] = run_checks_sync([spec], environ={"LLM_KEY": SECRET, "PROBE_SECRETS": "LLM_KEY"})
    return result


def test_streamed_answer_is_up_with_ttft_rate_and_tokens(llm_stub):
    llm_stub.tokens = 6
    result = run(probe(llm_stub.url))
    assert (result.outcome, result.status_code, result.error) == ("up", 200, "")
    assert result.latency_ms is not None  # time to first token
    assert result.tokens_used == 12 + 6  # prompt + completion, from the usage chunk
    [seen] = llm_stub.requests()
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == f"Bearer {SECRET}"
    request = json.loads(seen.body)
    assert request["stream"] is True
    assert request["model"] == "gpt-test"
    assert request["max_tokens"] == 8


def test_slow_first_token_is_degraded(llm_stub):
    llm_stub.mode, llm_stub.delay = "slow_first", 0.6
    result = run(probe(llm_stub.url, llm_max_ttft_ms=300))
    assert result.outcome == "degraded"
    assert result.latency_ms >= 600
    assert "time to first token" in result.error and "above the 300 ms threshold" in result.error


def test_slow_stream_is_degraded_on_tokens_per_second(llm_stub):
    llm_stub.mode, llm_stub.delay, llm_stub.tokens = "slow_stream", 0.25, 4
    result = run(probe(llm_stub.url, llm_min_tokens_per_second=Decimal("20")))
    assert result.outcome == "degraded"
    assert result.tokens_per_second is not None and result.tokens_per_second < 5
    assert result.error.endswith("tokens/s, below the 20 tokens/s threshold")


def test_fast_stream_meets_thresholds(llm_stub):
    llm_stub.tokens = 8
    result = run(probe(llm_stub.url, llm_max_ttft_ms=3000, llm_min_tokens_per_second=Decimal(1)))
    assert result.outcome == "up"


def test_server_error_is_down(llm_stub):
    llm_stub.mode = "error"
    result = run(probe(llm_stub.url))
    assert (result.outcome, result.status_code) == ("down", 503)
    assert result.error == (
        "HTTP 503 server error from the chat endpoint: The engine is overloaded"
    )


def test_rate_limited_once_then_answered_is_up(llm_stub):
    llm_stub.mode = "rate_limited_once"
    result = run(probe(llm_stub.url))
    assert result.outcome == "up"
    assert llm_stub.calls == 2


def test_rate_limited_after_retries_is_down(llm_stub):
    llm_stub.mode = "rate_limited"
    result = run(probe(llm_stub.url))
    assert (result.outcome, result.status_code) == ("down", 429)
    assert result.error == "rate limited: HTTP 429 after 2 retries (Rate limit reached)"
    assert llm_stub.calls == 3


def test_malformed_stream_is_down(llm_stub):
    llm_stub.mode = "malformed"
    result = run(probe(llm_stub.url))
    assert result.outcome == "down"
    assert result.error.startswith("malformed response: an event is not JSON")


def test_stream_cut_off_before_the_end_is_down(llm_stub):
    llm_stub.mode = "cut_off"
    result = run(probe(llm_stub.url))
    assert result.outcome == "down"
    assert result.error == ("malformed response: the stream ended before a finish_reason or [DONE]")


def test_hanging_endpoint_times_out(llm_stub):
    llm_stub.mode = "hang"
    result = run(probe(llm_stub.url, timeout_ms=500))
    assert result.outcome == "down"
    assert result.error.startswith("timeout: no answer after 500 ms")


def test_connection_refused_is_down(loopback_allowed):
    port = free_port()
    result = run(probe(f"http://127.0.0.1:{port}"))
    assert result.outcome == "down"
    assert result.error == f"connection refused by 127.0.0.1:{port}"


def test_key_echoed_by_the_endpoint_is_redacted(llm_stub):
    llm_stub.mode = "unauthorized"
    result = run(probe(llm_stub.url))
    assert (result.outcome, result.status_code) == ("down", 401)
    assert SECRET not in result.error
    assert "Incorrect API key provided: [redacted]" in result.error


def test_missing_key_variable_is_a_configuration_error(llm_stub):
    [result] = run_checks_sync([probe(llm_stub.url)], environ={"PROBE_SECRETS": "LLM_KEY"})
    assert result.outcome == "down"
    assert result.error == (
        "configuration: environment variable LLM_KEY (the LLM API key) is not set"
    )
    assert llm_stub.requests() == []


# --- the pure parts ----------------------------------------------------------------------------


def chunk(content: str | None = None, finish: str | None = None) -> str:
    delta = {"content": content} if content is not None else {}
    return "data: " + json.dumps({"choices": [{"delta": delta, "finish_reason": finish}]})


def test_stream_statistics():
    stats = StreamStats()
    for line, at in [
        (": keep-alive", 0.1),
        (chunk(None), 0.2),
        (chunk("a"), 0.5),
        ("", 0.5),
        (chunk("b"), 0.7),
        (chunk("c"), 0.9),
        (chunk(None, "stop"), 0.9),
        ("data: [DONE]", 1.0),
    ]:
        feed_line(stats, line, at)
    assert (stats.first_token_at, stats.last_token_at, stats.tokens) == (0.5, 0.9, 3)
    assert stats.done and stats.finished
    assert tokens_per_second(stats) == Decimal("5.00")  # 2 tokens after the first in 0.4 s
    spec = CheckSpec(probe_id=1, kind="llm", target="x", llm_max_ttft_ms=400)
    assert classify_stream(spec, stats) == (
        "degraded",
        "time to first token 500 ms, above the 400 ms threshold",
        500,
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("data: {oops", "an event is not JSON"),
        ("data: [1, 2]", "an event is not a JSON object"),
        ('data: {"id": 1}', "an event has no 'choices' list"),
        ('data: {"error": {"message": "overloaded"}}', "the stream reported an error: overloaded"),
    ],
)
def test_malformed_events(line, message):
    with pytest.raises(MalformedStream, match=message):
        feed_line(StreamStats(), line, 0.0)


def test_empty_stream_is_malformed():
    stats = StreamStats(done=True)
    with pytest.raises(MalformedStream, match="without any token"):
        classify_stream(CheckSpec(probe_id=1, kind="llm", target="x"), stats)


@pytest.mark.parametrize(
    ("attempt", "retry_after", "remaining", "expected"),
    [
        (0, None, 10, 0.25),
        (1, None, 10, 0.5),
        (0, "1", 10, 1.0),
        (0, "30", 10, 2.0),  # capped
        (0, "soon", 10, 0.25),
        (2, "0", 10, None),  # retries used up
        (0, "1", 0.5, None),  # no time left for it
    ],
)
def test_retry_delay(attempt, retry_after, remaining, expected):
    assert retry_delay(attempt, retry_after, remaining) == expected
