"""`llm` probes: a tiny streamed chat completion against an OpenAI-compatible endpoint.

Measures time to first token and tokens per second (OpenAI phrases its latency SLA in
tokens per second) and records the tokens a run used, so the probe's cost stays visible.
`down` on connection errors, timeouts, 5xx, 429 after the allowed retries, other HTTP
errors and malformed streams; `degraded` when the first token is late or the stream slow.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from incidents.prober.http import USER_AGENT, describe_transport_error, elapsed_ms
from incidents.prober.spec import CheckResult, CheckSpec, MissingSecret, Secrets, resolve_env

PROMPT = "Reply with the single word: pong"
MAX_RETRIES_429 = 2
MAX_RETRY_DELAY = 2.0


class MalformedStream(ValueError):
    """The endpoint answered 200 with something that is not a chat-completion stream."""


# --- pure ------------------------------------------------------------------------------------


def chat_url(target: str) -> str:
    base = target.rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def chat_request(spec: CheckSpec) -> dict[str, Any]:
    return {
        "model": spec.llm_model,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": spec.llm_max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


@dataclass
class StreamStats:
    """What a chat-completion event stream said, with the arrival time of its tokens."""

    first_token_at: float | None = None
    last_token_at: float | None = None
    token_chunks: int = 0
    completion_tokens: int | None = None
    total_tokens: int | None = None
    finished: bool = False
    done: bool = False
    events: int = 0

    @property
    def tokens(self) -> int:
        return self.completion_tokens if self.completion_tokens is not None else self.token_chunks


def feed_line(stats: StreamStats, line: str, at: float) -> None:
    """Account one line of a server-sent event stream received ``at`` seconds in."""
    line = line.strip()
    if not line or line.startswith(":") or not line.startswith("data:"):
        return  # blank separator, comment/keep-alive, or event:/id: fields
    data = line[5:].strip()
    if data == "[DONE]":
        stats.done = True
        return
    try:
        event = json.loads(data)
    except ValueError:
        raise MalformedStream(f"an event is not JSON: {data[:80]!r}") from None
    if not isinstance(event, dict):
        raise MalformedStream("an event is not a JSON object")
    if "error" in event:
        error = event["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise MalformedStream(f"the stream reported an error: {str(message)[:200]}")
    stats.events += 1
    usage = event.get("usage")
    if isinstance(usage, dict):
        stats.completion_tokens = _int_or_none(usage.get("completion_tokens"))
        stats.total_tokens = _int_or_none(usage.get("total_tokens"))
    choices = event.get("choices")
    if not isinstance(choices, list):
        raise MalformedStream("an event has no 'choices' list")
    for choice in choices:
        if not isinstance(choice, dict):
            raise MalformedStream("a choice is not an object")
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise MalformedStream("a choice's delta is not an object")
        if delta.get("content") or delta.get("reasoning_content"):
            stats.token_chunks += 1
            stats.first_token_at = at if stats.first_token_at is None else stats.first_token_at
            stats.last_token_at = at
        if choice.get("finish_reason"):
            stats.finished = True


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def tokens_per_second(stats: StreamStats) -> Decimal | None:
    """Tokens after the first over the time they took; None when there is no such span."""
    if stats.first_token_at is None or stats.last_token_at is None or stats.tokens < 2:
        return None
    span = stats.last_token_at - stats.first_token_at
    if span <= 0.001:
        return None
    rate = Decimal(stats.tokens - 1) / Decimal(str(round(span, 6)))
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def classify_stream(spec: CheckSpec, stats: StreamStats) -> tuple[str, str, int | None]:
    """(outcome, error, time to first token in ms) of a stream read to its end."""
    if stats.first_token_at is None:
        raise MalformedStream("the stream ended without any token")
    if not (stats.done or stats.finished):
        raise MalformedStream("the stream ended before a finish_reason or [DONE]")
    ttft_ms = round(stats.first_token_at * 1000)
    problems = []
    if spec.llm_max_ttft_ms is not None and ttft_ms > spec.llm_max_ttft_ms:
        problems.append(
            f"time to first token {ttft_ms} ms, above the {spec.llm_max_ttft_ms} ms threshold"
        )
    elif spec.degraded_latency_ms is not None and ttft_ms > spec.degraded_latency_ms:
        problems.append(
            f"time to first token {ttft_ms} ms, above the {spec.degraded_latency_ms} ms threshold"
        )
    rate = tokens_per_second(stats)
    minimum = spec.llm_min_tokens_per_second
    if minimum is not None and rate is not None and rate < minimum:
        problems.append(f"{rate} tokens/s, below the {minimum} tokens/s threshold")
    return ("degraded" if problems else "up"), "; ".join(problems), ttft_ms


def error_message(body: bytes) -> str:
    """The `error.message` of an OpenAI-style error body, else the body's start."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:200]
    return " ".join(text.split())[:200]


def retry_delay(attempt: int, retry_after: str | None, remaining: float) -> float | None:
    """Seconds to wait before retrying a 429, or None when no retry fits the time left."""
    if attempt >= MAX_RETRIES_429:
        return None
    try:
        delay = float(retry_after) if retry_after else 0.25 * 2**attempt
    except ValueError:
        delay = 0.25 * 2**attempt
    delay = min(max(delay, 0.0), MAX_RETRY_DELAY)
    return delay if delay < remaining - 0.05 else None


# --- I/O -------------------------------------------------------------------------------------


async def _stream(client, url, headers, payload, stats: StreamStats, started: float):
    """One attempt; returns (status, body) for a non-200 answer, (200, b"") once streamed."""
    request = client.build_request("POST", url, headers=headers, json=payload)
    response = await client.send(request, stream=True)
    try:
        if response.status_code != 200:
            return response, await response.aread()
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise MalformedStream(f"expected an event stream, got {content_type or 'no type'}")
        async for line in response.aiter_lines():
            feed_line(stats, line, time.perf_counter() - started)
            if stats.done:
                break
        return response, b""
    finally:
        await response.aclose()


async def run_llm(
    spec: CheckSpec, client: httpx.AsyncClient, environ: Mapping[str, str], now
) -> CheckResult:
    observed_at = now()
    secrets = Secrets()
    try:
        api_key = resolve_env(spec.llm_api_key_env, environ, "the LLM API key", secrets)
    except MissingSecret as missing:
        return CheckResult(spec.probe_id, observed_at, "down", error=f"configuration: {missing}")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    url, payload = chat_url(spec.target), chat_request(spec)

    def down(error: str, status: int | None = None, latency: int | None = None) -> CheckResult:
        return CheckResult(
            spec.probe_id,
            observed_at,
            "down",
            latency_ms=latency,
            status_code=status,
            error=secrets.redact(error),
        )

    deadline = time.perf_counter() + spec.timeout_seconds
    attempt = 0
    try:
        async with asyncio.timeout(spec.timeout_seconds):
            while True:
                stats = StreamStats()
                started = time.perf_counter()
                response, body = await _stream(client, url, headers, payload, stats, started)
                if response.status_code != 429:
                    break
                delay = retry_delay(
                    attempt, response.headers.get("retry-after"), deadline - time.perf_counter()
                )
                if delay is None:
                    return down(
                        f"rate limited: HTTP 429 after {attempt} retries ({error_message(body)})",
                        429,
                    )
                attempt += 1
                await asyncio.sleep(delay)
    except MalformedStream as exc:
        return down(f"malformed response: {exc}", 200, elapsed_ms(started))
    except Exception as exc:  # every failure becomes a result
        return down(describe_transport_error(exc, url=url, timeout_ms=spec.timeout_ms))
    status = response.status_code
    if status != 200:
        kind = "server error" if status >= 500 else "error"
        return down(f"HTTP {status} {kind} from the chat endpoint: {error_message(body)}", status)
    try:
        outcome, error, ttft_ms = classify_stream(spec, stats)
    except MalformedStream as exc:
        return down(f"malformed response: {exc}", status, elapsed_ms(started))
    return CheckResult(
        spec.probe_id,
        observed_at,
        outcome,
        latency_ms=ttft_ms,
        status_code=status,
        error=secrets.redact(error),
        tokens_used=stats.total_tokens if stats.total_tokens is not None else stats.tokens,
        tokens_per_second=tokens_per_second(stats),
    )
